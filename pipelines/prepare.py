"""Validate the raw data and write the train/validation/test splits, once, for every stage.

Stratified, with a fixed seed, so the numbers of every model and benchmark refer to the same rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from pipelines.cli import run
from pipelines.data import LABEL, TEXT, read_tickets, write_tickets
from pipelines.params import Params, PipelineSettings

log = logging.getLogger("pipelines.prepare")
SPLITS = ("train", "val", "test")


def split(frame: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """Test first (same rows as the published 80/20 numbers), then validation from the rest."""
    s = params.split
    rest, test = train_test_split(
        frame, test_size=s.test_size, stratify=frame[LABEL], random_state=s.seed
    )
    val_share = s.val_size / (1 - s.test_size)
    train, val = train_test_split(
        rest, test_size=val_share, stratify=rest[LABEL], random_state=s.seed
    )
    return {"train": train, "val": val, "test": test}


def prepare(raw_path: Path, splits_dir: Path, params: Params) -> dict[str, int]:
    frame = read_tickets(
        raw_path,
        params.data.labels,
        params.data.text_column,
        params.data.label_column,
        params.data.max_text_chars,
    )
    parts = split(frame, params)
    manifest: dict = {"source_sha256": hashlib.sha256(raw_path.read_bytes()).hexdigest()}
    for name in SPLITS:
        path = splits_dir / f"{name}.csv"
        write_tickets(parts[name], path)
        manifest[name] = {
            "rows": len(parts[name]),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "labels": parts[name][LABEL].value_counts().sort_index().to_dict(),
        }
        log.info("%s: %d rows -> %s", name, len(parts[name]), path)
    (splits_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return {name: len(parts[name]) for name in SPLITS}


def read_split(splits_dir: Path, name: str) -> tuple[list[str], list[str]]:
    frame = pd.read_csv(splits_dir / f"{name}.csv", keep_default_na=False)
    return frame[TEXT].astype(str).tolist(), frame[LABEL].astype(str).tolist()


def read_fit_rows(
    splits_dir: Path, name: str, feedback_path: Path | None, repeat: int
) -> tuple[list[str], list[str], int]:
    """A split to fit on; the train split also gets the reviewed tickets (`repeat` times each).

    Returns texts, labels and how many feedback rows were added. The export stage has already
    kept out every ticket that is in the validation or test split.
    """
    texts, labels = read_split(splits_dir, name)
    if name != "train" or not repeat or feedback_path is None or not feedback_path.is_file():
        return texts, labels, 0
    extra_texts, extra_labels = read_split(feedback_path.parent, feedback_path.stem)
    texts += extra_texts * repeat
    labels += extra_labels * repeat
    return texts, labels, len(extra_texts) * repeat


def main() -> None:
    settings = PipelineSettings()
    prepare(settings.raw_path, settings.splits_dir, settings.params())


if __name__ == "__main__":
    run(main)
