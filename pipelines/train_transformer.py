"""Train the transformer: the slower model for long, unusual or non-English tickets.

Two heads (`transformer.head`): a fine-tune (the full profile) or, for a first run in minutes,
the encoder frozen under a logistic-regression head (`pipelines.frozen_head`, the quick profile).
Both export the same served graph: (input_ids, attention_mask) -> (logits, embedding).

CPU budget matters for the fine-tune (2 cores): the word-embedding matrix is frozen (it is 3/4 of
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
from contract.transformer_runtime import TicketEncoder
from pipelines.augment import CodeSwitcher, read_glossary
from pipelines.base_models import build_base_model
from pipelines.cli import run
from pipelines.familiarity_bank import build_bank
from pipelines.frozen_head import train_frozen
from pipelines.model_dir import INPUT_EXAMPLE, fresh_dir, model_metadata, text_signature
from pipelines.onnx_export import export_onnx, mean_pooled
from pipelines.params import Params, PipelineSettings, TransformerParams
from pipelines.prepare import read_fit_rows, read_split
from pipelines.token_batches import bucketed_batches, collate

log = logging.getLogger("pipelines.train_transformer")


class LogitsAndEmbedding(torch.nn.Module):
    """A fine-tuned classifier's logits, and the masked mean of its last hidden states (the
    familiarity signal's embedding): the two outputs every served graph has."""

    def __init__(self, inner) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, input_ids, attention_mask):
        out = self.inner(
            input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True
        )
        return out.logits, mean_pooled(out.hidden_states[-1], attention_mask)


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


def fine_tune(
    base: str,
    labels: list[str],
    encoded: list[list[int]],
    y: torch.Tensor,
    switched: dict[str, list[list[int]]],
    p: TransformerParams,
    rng: random.Random,
    pad_id: int,
) -> tuple[torch.nn.Module, int]:
    """The full profile: every layer but the word embeddings learns, for `epochs`."""
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    if p.freeze_embeddings:
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    lengths = [len(e) for e in encoded]
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
    step = 0
    bar = tqdm(
        total=total, desc="train", file=sys.stderr, mininterval=5 if sys.stderr.isatty() else 30
    )
    while step < total:
        for batch in bucketed_batches(lengths, p.batch_size, rng):
            rows = [pick_variant(i, encoded, switched, p.code_switch_share, rng) for i in batch]
            inputs = collate(rows, pad_id)
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
    return model, step


def read_fit_texts(
    splits_dir: Path, feedback_path: Path | None, params: Params, rng: random.Random
) -> tuple[list[str], list[str], int]:
    """Texts and labels of `fit_splits` (+ reviewed feedback), capped at max_train_samples."""
    p = params.transformer
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
    return texts, targets, from_feedback


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
    pad_id = tokenizer.pad_token_id
    texts, targets, from_feedback = read_fit_texts(splits_dir, feedback_path, params, rng)
    encode = lambda batch: tokenizer(  # noqa: E731
        [p.input_prefix + normalize(t) for t in batch], truncation=True, max_length=p.max_length
    )["input_ids"]
    y = [label_id[t] for t in targets]
    serving_config = {
        "callcenter_max_length": p.max_length,
        "callcenter_input_prefix": p.input_prefix,
        "callcenter_familiarity_k": p.familiarity_k,
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)  # root/artifacts: the layout MLflow gives the saved model's artifacts
        hf_dir = root / "artifacts" / "hf"
        started = time.perf_counter()
        switched: dict[str, list[list[int]]] = {}
        step, embeddings = 0, None
        if p.head == "frozen":
            onnx_path, embeddings = train_frozen(
                base, tokenizer, root, texts, y, labels, serving_config, p
            )
        else:
            switched = code_switched(texts, p, encode)
            model, step = fine_tune(
                base, labels, encode(texts), torch.tensor(y), switched, p, rng, pad_id
            )
            for key, value in serving_config.items():
                setattr(model.config, key, value)
            model.save_pretrained(hf_dir)
            tokenizer.save_pretrained(hf_dir)
            served = LogitsAndEmbedding(model)
            onnx_path = export_onnx(served, tokenizer, root / "artifacts", p.onnx_int8)
        seconds = time.perf_counter() - started

        # Scored on the graph that will be served, as `evaluate` will score it.
        val_texts, val_targets = read_split(splits_dir, "val")
        val_scores = TicketEncoder(root, onnx_file=onnx_path.name).scores(val_texts)
        val_predicted = val_scores.probabilities.argmax(1)
        val_accuracy = float(np.mean(val_predicted == [label_id[t] for t in val_targets]))
        in_sample = "val" in p.fit_splits
        log.info(
            "trained (%s head) in %.0f s; validation accuracy %.4f%s",
            p.head,
            seconds,
            val_accuracy,
            " (in-sample: the fit saw the validation split)" if in_sample else "",
        )
        bank_path = build_bank(
            root,
            onnx_path.name,
            texts,
            targets,
            labels,
            p.familiarity_bank,
            p.familiarity_k,
            p.seed,
            embeddings,
        )
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
                head=p.head,
                max_length=p.max_length,
                onnx=f"artifacts/{onnx_path.name}",
            ),
        )
    (out_dir / "training.json").write_text(
        json.dumps(
            {
                "head": p.head,
                "train_rows": len(texts),
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
        settings.params(),
        settings.cache_dir,
        settings.feedback_path,
    )


if __name__ == "__main__":
    run(main)
