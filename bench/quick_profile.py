"""The quick profile's options, on accuracy per minute: how many rows, how much regularisation.

    python -m bench.quick_profile [--rows 4000,12000,0] [--c 0.05,0.2,1]

Exports the frozen encoder once (as `pipelines.frozen_head` does), embeds the training split
with the served int8 graph, then fits the logistic head on the first N rows for each C and
scores it on the validation split and the development live set (`data/live`); the held-out
live set is not looked at. Minutes per option are the measured embedding rate times N, plus the
fit. Writes bench/results/quick_profile.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from transformers import AutoModel, AutoTokenizer

from devtools.harness import ROOT, machine
from pipelines.base_models import build_base_model
from pipelines.familiarity_bank import served_embeddings
from pipelines.frozen_head import MeanPoolEncoder, fit_head
from pipelines.onnx_export import export_onnx
from pipelines.params import PipelineSettings, load_params
from pipelines.prepare import read_split

RESULTS = ROOT / "bench" / "results"


def accuracy(embeddings: np.ndarray, truth: np.ndarray, weight, bias) -> float:
    return float(np.mean((embeddings @ weight.T + bias).argmax(1) == truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="4000,12000,0", help="0: every training row")
    parser.add_argument("--c", default="0.05,0.2,1")
    parser.add_argument("--input-prefix", default=None, help="default: params.yaml's")
    parser.add_argument("--out", type=Path, default=RESULTS / "quick_profile.json")
    args = parser.parse_args()
    settings = PipelineSettings()
    params = load_params(settings.params_file)
    p = params.transformer
    prefix = p.input_prefix if args.input_prefix is None else args.input_prefix
    labels = params.data.labels
    texts, targets = read_split(settings.splits_dir, "train")
    order = list(range(len(texts)))
    random.Random(p.seed).shuffle(order)
    texts, targets = [texts[i] for i in order], [targets[i] for i in order]
    sizes = [int(n) or len(texts) for n in args.rows.split(",")]
    val_texts, val_targets = read_split(settings.splits_dir, "val")
    live = pd.read_csv(settings.live_path, keep_default_na=False)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = build_base_model(p.base_model, settings.cache_dir)
        tokenizer = AutoTokenizer.from_pretrained(base)
        encoder = AutoModel.from_pretrained(base, add_pooling_layer=False).eval()
        encoder.config.id2label = dict(enumerate(labels))
        encoder.config.callcenter_max_length = p.max_length
        encoder.config.callcenter_input_prefix = prefix
        encoder.save_pretrained(root / "artifacts" / "hf")
        tokenizer.save_pretrained(root / "artifacts" / "hf")
        started = time.perf_counter()
        graph = export_onnx(
            MeanPoolEncoder(encoder), tokenizer, root / "artifacts", True, ("embedding",), "e"
        )
        export_minutes = (time.perf_counter() - started) / 60
        started = time.perf_counter()
        train = served_embeddings(root, graph.name, texts[: max(sizes)], "embed train")
        per_row = (time.perf_counter() - started) / 60 / max(sizes)
        val = served_embeddings(root, graph.name, val_texts, "embed val")
        dev = served_embeddings(root, graph.name, live["text"].tolist(), "embed live")
    y = np.array([labels.index(t) for t in targets])
    val_y = np.array([labels.index(t) for t in val_targets])
    dev_y = np.array([labels.index(t) for t in live["label"]])
    rows = []
    for size in sizes:
        for c in (float(c) for c in args.c.split(",")):
            started = time.perf_counter()
            weight, bias = fit_head(train[:size], y[:size], len(labels), c, p.seed)
            fit_minutes = (time.perf_counter() - started) / 60
            row = {
                "rows": size,
                "C": c,
                "minutes": round(export_minutes + per_row * size + fit_minutes, 2),
                "val_accuracy": round(accuracy(val, val_y, weight, bias), 4),
            }
            correct = (dev @ weight.T + bias).argmax(1) == dev_y
            for lang in ("en", "fr", "ar"):
                row[f"live_{lang}"] = round(float(correct[live["language"] == lang].mean()), 4)
            row["live"] = round(float(correct.mean()), 4)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(pd.DataFrame(rows).to_string(index=False))
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "base_model": p.base_model,
        "input_prefix": prefix,
        "embed_rows_per_second": round(1 / (per_row * 60), 1),
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
