"""The transformer's familiarity bank: training tickets embedded by the graph that is served.

The served (int8) graph, not the PyTorch weights: familiarity compares a live ticket's served
embedding with these (contract.familiarity), so both sides must come from the same arithmetic.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from contract.transformer_runtime import BANK_FILE, TicketEncoder

log = logging.getLogger("pipelines.familiarity_bank")
CHUNK = 256  # texts per progress step


def served_embeddings(root: Path, onnx_name: str, texts: list[str], desc: str) -> np.ndarray:
    """Embeddings of `texts` from the graph `root/artifacts/<onnx_name>`, with a progress bar."""
    encoder = TicketEncoder(root, backend="onnx", onnx_file=onnx_name)
    chunks = []
    steps = range(0, len(texts), CHUNK)
    interval = 5 if sys.stderr.isatty() else 30
    for start in tqdm(steps, desc=desc, unit="chunk", file=sys.stderr, mininterval=interval):
        _, batch = encoder.logits_and_embeddings(texts[start : start + CHUNK])
        chunks.append(batch)
    return np.vstack(chunks)


def build_bank(
    root: Path,
    onnx_name: str,
    texts: list[str],
    targets: list[str],
    labels: list[str],
    size: int,
    k: int,
    seed: int,
    embeddings: np.ndarray | None = None,
) -> Path:
    """A stratified sample of `size` training tickets; `embeddings` (all of `texts`, from the
    served graph's encoder) spares embedding them again."""
    rng = np.random.default_rng(seed)
    size = min(size, len(texts))
    by_label = {label: [i for i, t in enumerate(targets) if t == label] for label in labels}
    chosen: list[int] = []
    for rows in by_label.values():  # each class keeps its share, and at least k examples
        quota = max(min(k, len(rows)), round(size * len(rows) / len(texts)))
        chosen += rng.choice(rows, size=min(quota, len(rows)), replace=False).tolist()
    if embeddings is None:
        bank = served_embeddings(root, onnx_name, [texts[i] for i in chosen], "familiarity bank")
    else:
        bank = embeddings[chosen]
    path = root / "artifacts" / BANK_FILE
    np.savez_compressed(
        path,
        embeddings=bank.astype(np.float16),
        labels=np.array([labels.index(targets[i]) for i in chosen], dtype=np.int16),
    )
    log.info("familiarity bank: %d training tickets embedded", len(chosen))
    return path
