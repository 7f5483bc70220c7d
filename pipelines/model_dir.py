"""The metadata every saved model carries in its MLmodel file.

Predictors read it to learn the label order, the model kind and the normalisation version without
importing any training code: it is the contract that travels with the model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from mlflow.models import infer_signature

from contract.normalize import NORMALIZATION_VERSION

INPUT_EXAMPLE = pd.DataFrame({"text": ["cannot access shared folder on the finance drive"]})


def model_metadata(kind: str, labels: list[str], **extra: object) -> dict:
    return {
        "callcenterai": {
            "kind": kind,
            "labels": list(labels),
            "normalization": NORMALIZATION_VERSION,
            "input": "text",
            **extra,
        }
    }


FAMILIARITY_COLUMN = "familiarity"


def text_signature(labels: list[str], familiarity: bool = False):
    """Signature: a `text` column in, one probability column per class (+ familiarity) out."""
    columns = list(labels) + ([FAMILIARITY_COLUMN] if familiarity else [])
    return infer_signature(
        INPUT_EXAMPLE, pd.DataFrame([[1.0 / len(labels)] * len(columns)], columns=columns)
    )


def fresh_dir(path: Path) -> Path:
    """MLflow refuses to save into an existing directory; stages overwrite their outputs."""

    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
