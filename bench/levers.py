"""Transformer levers, one at a time, on a short fine-tune: which change helps live tickets?

    python -m bench.levers [--rows 6000] [--epochs 1] [--variants baseline,prefix,code_switch]

Each variant fine-tunes the configured base model (params.yaml) on the same `--rows` training
tickets for `--epochs`, exports the served int8 graph and scores it through
`contract.transformer_runtime` on a validation sample and the development live set
(`data/live`). The held-out live set is never looked at here: levers are chosen on the
development set only. Appends the run to bench/results/levers.json and prints a table. A
short run ranks levers; it does not predict the full fine-tune's figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from contract.transformer_runtime import TicketEncoder
from devtools.harness import ROOT, machine
from pipelines.params import PipelineSettings, load_params
from pipelines.prepare import read_split
from pipelines.train_transformer import train

RESULTS = ROOT / "bench" / "results"
VARIANTS = {
    "baseline": {},
    "prefix": {"input_prefix": "query: "},
    "code_switch": {"code_switch_share": 0.4},
    "prefix+code_switch": {"input_prefix": "query: ", "code_switch_share": 0.4},
    # The quick profile's candidates: no fine-tune, a linear head on the frozen encoder.
    "frozen": {"head": "frozen"},
    "frozen+prefix": {"head": "frozen", "input_prefix": "query: "},
}


def score(model_dir: Path, val: tuple[list[str], list[str]], live: pd.DataFrame) -> dict:
    encoder = TicketEncoder(model_dir)
    out: dict = {}
    texts, truth = val
    scores = encoder.scores(texts)
    predicted = np.array(encoder.labels)[scores.probabilities.argmax(1)]
    out["val_accuracy"] = round(float(np.mean(predicted == np.array(truth))), 4)
    scores = encoder.scores(live["text"].tolist())
    predicted = np.array(encoder.labels)[scores.probabilities.argmax(1)]
    correct = predicted == live["label"].to_numpy()
    for lang in ("en", "fr", "ar"):
        out[f"live_{lang}"] = round(float(correct[live["language"].to_numpy() == lang].mean()), 4)
    out["live"] = round(float(correct.mean()), 4)
    out["live_familiarity_median"] = round(float(np.median(scores.familiarity)), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--val-rows", type=int, default=1000)
    parser.add_argument("--variants", default="baseline,code_switch,prefix+code_switch")
    parser.add_argument("--out", type=Path, default=RESULTS / "levers.json")
    args = parser.parse_args()
    settings = PipelineSettings()
    texts, truth = read_split(settings.splits_dir, "val")
    val = (texts[: args.val_rows], truth[: args.val_rows])
    live = pd.read_csv(settings.live_path, keep_default_na=False)
    rows = []
    for name in args.variants.split(","):
        overrides = {
            "max_train_samples": args.rows,
            "epochs": args.epochs,
            "fit_splits": ["train"],
            "familiarity_bank": 2000,
            **VARIANTS[name],
        }
        params = load_params(settings.params_file, {"transformer": overrides})
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            model_dir = train(settings.splits_dir, Path(tmp) / "m", params, settings.cache_dir)
            minutes = (time.perf_counter() - started) / 60
            row = {"variant": name, **VARIANTS[name], "minutes": round(minutes, 1)}
            row.update(score(model_dir, val, live))
        rows.append(row)
        print(json.dumps(row), flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Each run is kept: a short fine-tune moves by about a point from run to run, so a lever is
    # judged against the baseline of its own run, and older runs stay for comparison.
    saved = json.loads(args.out.read_text()) if args.out.is_file() else {}
    runs = saved.get("runs", [])
    runs.append(
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": machine(),
            "rows": args.rows,
            "epochs": args.epochs,
            "results": rows,
        }
    )
    saved |= {"base_model": params.transformer.base_model, "runs": runs}
    args.out.write_text(json.dumps(saved, indent=2))


if __name__ == "__main__":
    main()
