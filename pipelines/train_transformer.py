"""Fine-tune the transformer: the slower model for long, unusual or non-English tickets.

CPU budget matters here (2 cores): the word-embedding matrix is frozen (it is 3/4 of
multilingual-e5-small's weights and the costliest part of every optimiser step), batches are built
from tickets of similar length and padded per batch, so little compute is spent on padding.
"""

from __future__ import annotations

import json
import logging
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import torch
from tqdm import tqdm
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    get_linear_schedule_with_warmup,
)

from contract.normalize import normalize
from contract.transformer_runtime import BANK_FILE, TicketEncoder
from pipelines.augment import CodeSwitcher, read_glossary
from pipelines.base_models import build_base_model
from pipelines.cli import run
from pipelines.model_dir import INPUT_EXAMPLE, fresh_dir, model_metadata, text_signature
from pipelines.params import Params, PipelineSettings, TransformerParams, load_params
from pipelines.prepare import read_fit_rows, read_split

log = logging.getLogger("pipelines.train_transformer")


def bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort by length within large chunks, then shuffle the batches themselves."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lengths.__getitem__)
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(encoded: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(ids) for ids in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, seq in enumerate(encoded):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def predict_logits(model, encoded: list[list[int]], pad_id: int, batch_size: int) -> np.ndarray:
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    out = np.zeros((len(encoded), model.config.num_labels), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            logits = model(**collate([encoded[i] for i in idx], pad_id)).logits
            out[idx] = logits.numpy()
    return out


def export_onnx(model, tokenizer, out_dir: Path, int8: bool) -> Path:
    """ONNX Runtime (int8 weights) is several times faster than eager PyTorch on CPU."""

    class LogitsAndEmbedding(torch.nn.Module):
        """Logits, and the masked mean of the last hidden states for the familiarity signal."""

        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
            )
            weights = attention_mask.unsqueeze(-1).to(out.hidden_states[-1].dtype)
            pooled = (out.hidden_states[-1] * weights).sum(1) / weights.sum(1).clamp(min=1)
            return out.logits, torch.nn.functional.normalize(pooled, dim=-1)

    wrapper = LogitsAndEmbedding(model).eval()
    sample = tokenizer(["reset my password please"], return_tensors="pt")
    fp32 = out_dir / "model.fp32.onnx"
    torch.onnx.export(
        wrapper,
        (sample["input_ids"], sample["attention_mask"]),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits", "embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "logits": {0: "batch"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    if not int8:
        return fp32
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = out_dir / "model.onnx"
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # the quantiser logs every tensor at INFO on the root logger
    try:
        # Per-channel scales: with one scale per tensor, int8 kept the test-split accuracy but
        # lost 6-17 points on live-style French and English tickets; per channel it does not.
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    fp32.unlink()
    return target


def use_bf16(setting: bool | str) -> bool:
    """Whether to train under bfloat16 autocast.

    It pays only where the CPU computes in bfloat16 natively: on an AVX2-only CPU torch emulates
    it and one training step of e5-small took 106 s instead of 7 s in float32.
    """
    if setting != "auto":
        return bool(setting)
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def code_switched(texts: list[str], p: TransformerParams, encode) -> dict[str, list[list[int]]]:
    """Token ids of one code-switched copy of every training text per language, or none."""
    if not p.code_switch_share:
        return {}
    switcher = CodeSwitcher(read_glossary(p.glossary), p.code_switch_rate, p.seed)
    variants = switcher.variants([normalize(t) for t in texts])
    return {lang: encode(switched) for lang, switched in variants.items()}


def pick_variant(
    row: int,
    encoded: list[list[int]],
    switched: dict[str, list[list[int]]],
    share: float,
    rng: random.Random,
) -> list[int]:
    """The original ticket, or (with probability `share`) one of its code-switched copies."""
    if switched and rng.random() < share:
        return switched[rng.choice(sorted(switched))][row]
    return encoded[row]


def build_bank(
    root: Path,
    onnx_name: str,
    texts: list[str],
    targets: list[str],
    labels: list[str],
    p: TransformerParams,
) -> Path:
    """Embed a stratified sample of the training tickets with the graph that will be served.

    The served (int8) graph, not the PyTorch weights: familiarity compares a live ticket's
    served embedding with these, so both sides must come from the same arithmetic.
    """
    rng = np.random.default_rng(p.seed)
    size = min(p.familiarity_bank, len(texts))
    by_label = {label: [i for i, t in enumerate(targets) if t == label] for label in labels}
    chosen: list[int] = []
    for rows in by_label.values():  # each class keeps its share, and at least k examples
        quota = max(min(p.familiarity_k, len(rows)), round(size * len(rows) / len(texts)))
        chosen += rng.choice(rows, size=min(quota, len(rows)), replace=False).tolist()
    encoder = TicketEncoder(root, backend="onnx", onnx_file=onnx_name)
    embeddings = []
    for start in tqdm(
        range(0, len(chosen), 256), desc="familiarity bank", file=sys.stderr, mininterval=30
    ):
        _, batch = encoder.logits_and_embeddings([texts[i] for i in chosen[start : start + 256]])
        embeddings.append(batch)
    path = root / "artifacts" / BANK_FILE
    np.savez_compressed(
        path,
        embeddings=np.vstack(embeddings).astype(np.float16),
        labels=np.array([labels.index(targets[i]) for i in chosen], dtype=np.int16),
    )
    log.info("familiarity bank: %d training tickets embedded", len(chosen))
    return path


def train(
    splits_dir: Path,
    out_dir: Path,
    params: Params,
    cache_dir: Path,
    feedback_path: Path | None = None,
) -> Path:
    p: TransformerParams = params.transformer
    if p.threads:
        torch.set_num_threads(p.threads)
    torch.manual_seed(p.seed)
    rng = random.Random(p.seed)
    labels = params.data.labels
    label_id = {name: i for i, name in enumerate(labels)}

    base = build_base_model(p.base_model, cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_id,
    )
    model.config.callcenter_max_length = p.max_length
    model.config.callcenter_input_prefix = p.input_prefix
    model.config.callcenter_familiarity_k = p.familiarity_k
    if p.freeze_embeddings:
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)

    texts, targets, from_feedback = [], [], 0
    for split in p.fit_splits:
        split_texts, split_targets, added = read_fit_rows(
            splits_dir, split, feedback_path, params.feedback.repeat
        )
        texts += split_texts
        targets += split_targets
        from_feedback += added
    if p.max_train_samples:
        keep = rng.sample(range(len(texts)), min(p.max_train_samples, len(texts)))
        texts, targets = [texts[i] for i in keep], [targets[i] for i in keep]
    encode = lambda batch: tokenizer(  # noqa: E731
        [p.input_prefix + normalize(t) for t in batch], truncation=True, max_length=p.max_length
    )["input_ids"]
    encoded = encode(texts)
    y = torch.tensor([label_id[t] for t in targets])
    lengths = [len(e) for e in encoded]
    switched = code_switched(texts, p, encode)

    steps_per_epoch = math.ceil(len(encoded) / p.batch_size)
    total = math.ceil(steps_per_epoch * p.epochs)
    if p.max_steps:
        total = min(total, p.max_steps)
    trainable = [w for w in model.parameters() if w.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=p.learning_rate, weight_decay=p.weight_decay)
    schedule = get_linear_schedule_with_warmup(optimizer, int(total * p.warmup_ratio), total)
    bf16 = use_bf16(p.bf16)
    log.info(
        "fine-tuning %s on %d tickets (%s): %d steps, batch %d, max length %d%s%s",
        p.base_model,
        len(encoded),
        "+".join(p.fit_splits),
        total,
        p.batch_size,
        p.max_length,
        ", bfloat16 autocast" if bf16 else ", float32",
        f", {p.code_switch_share:.0%} of rows code-switched" if switched else "",
    )
    model.train()
    started = time.perf_counter()
    step = 0
    bar = tqdm(
        total=total, desc="train", file=sys.stderr, mininterval=5 if sys.stderr.isatty() else 30
    )
    while step < total:
        for batch in bucketed_batches(lengths, p.batch_size, rng):
            rows = [pick_variant(i, encoded, switched, p.code_switch_share, rng) for i in batch]
            inputs = collate(rows, tokenizer.pad_token_id)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = model(**inputs, labels=y[batch]).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", epoch=f"{step / steps_per_epoch:.2f}")
            if step >= total:
                break
    bar.close()
    seconds = time.perf_counter() - started

    val_texts, val_targets = read_split(splits_dir, "val")
    val_logits = predict_logits(model, encode(val_texts), tokenizer.pad_token_id, 64)
    val_accuracy = float(np.mean(val_logits.argmax(1) == [label_id[t] for t in val_targets]))
    in_sample = "val" in p.fit_splits
    log.info(
        "trained %d steps in %.0f s; validation accuracy %.4f%s",
        step,
        seconds,
        val_accuracy,
        " (in-sample: the fit saw the validation split)" if in_sample else "",
    )

    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "artifacts"  # the layout MLflow gives the saved model's artifacts
        hf_dir = staged / "hf"
        model.save_pretrained(hf_dir)
        tokenizer.save_pretrained(hf_dir)
        onnx_path = export_onnx(model, tokenizer, staged, p.onnx_int8)
        bank_path = build_bank(Path(tmp), onnx_path.name, texts, targets, labels, p)
        mlflow.pyfunc.save_model(
            fresh_dir(out_dir),
            python_model=str(Path(__file__).with_name("transformer_pyfunc.py")),
            artifacts={"hf": str(hf_dir), "onnx": str(onnx_path), "bank": str(bank_path)},
            code_paths=[str(Path(__file__).parents[1] / "contract")],
            signature=text_signature(labels, familiarity=True),
            input_example=INPUT_EXAMPLE,
            metadata=model_metadata(
                "transformer",
                labels,
                base_model=p.base_model,
                max_length=p.max_length,
                onnx=f"artifacts/{onnx_path.name}",
            ),
        )
    (out_dir / "training.json").write_text(
        json.dumps(
            {
                "train_rows": len(encoded),
                "feedback_rows": from_feedback,
                "fit_splits": p.fit_splits,
                "steps": step,
                "train_seconds": round(seconds, 1),
                "val_accuracy": round(val_accuracy, 4),
                "val_in_sample": in_sample,
                "code_switch_share": p.code_switch_share if switched else 0.0,
                "input_prefix": p.input_prefix,
                "familiarity_bank": p.familiarity_bank,
            }
        )
    )
    return out_dir


def main() -> None:
    settings = PipelineSettings()
    train(
        settings.splits_dir,
        settings.models_dir / "transformer",
        load_params(settings.params_file),
        settings.cache_dir,
        settings.feedback_path,
    )


if __name__ == "__main__":
    run(main)
