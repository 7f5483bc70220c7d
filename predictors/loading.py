"""Find a model's files: a local folder, or a registry URI resolved through MLflow.

Serving images carry the MLflow client (mlflow-skinny) but no training code: the model's label
set and kind travel in its MLmodel file (`metadata.callcenterai`).
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from contract.normalize import NORMALIZATION_VERSION, READS_TRAINING_ALIKE

log = logging.getLogger("predictors.loading")
_ALIAS_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")


@dataclass(frozen=True)
class ModelFiles:
    path: Path
    metadata: dict
    version: str | None


def find_model_root(path: Path) -> Path:
    """The folder holding MLmodel; storage initializers sometimes add a level."""
    if (path / "MLmodel").is_file():
        return path
    found = sorted(path.glob("*/MLmodel")) if path.is_dir() else []
    if not found:
        raise FileNotFoundError(f"{path}: no MLmodel file (is this a CallCenterAI model folder?)")
    return found[0].parent


def registry_version(uri: str) -> str | None:
    match = _ALIAS_URI.match(uri)
    if not match:
        return None
    if match["version"]:
        return match["version"]
    from mlflow import MlflowClient

    return MlflowClient().get_model_version_by_alias(match["name"], match["alias"]).version


def fetch(model_dir: str, version: str | None = None) -> ModelFiles:
    if model_dir.startswith(("models:/", "runs:/")):
        import mlflow.artifacts

        version = version or registry_version(model_dir)
        target = tempfile.mkdtemp(prefix="ccai-model-")
        log.info("downloading %s (version %s)", model_dir, version)
        path = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_dir, dst_path=target))
    else:
        path = Path(model_dir)
    root = find_model_root(path)
    mlmodel = yaml.safe_load((root / "MLmodel").read_text())
    metadata = (mlmodel.get("metadata") or {}).get("callcenterai")
    if not metadata or not metadata.get("labels"):
        raise ValueError(f"{root}/MLmodel: no callcenterai metadata (labels); not our model")
    recorded = str(metadata.get("normalization", ""))
    if recorded not in READS_TRAINING_ALIKE:  # it would read live text unlike its training
        raise ValueError(
            f"{root}: trained under normalisation {recorded or '(none recorded)'}, this server "
            f"normalises with {NORMALIZATION_VERSION} (compatible: "
            f"{', '.join(sorted(READS_TRAINING_ALIKE))}); retrain it or serve it with its image"
        )
    return ModelFiles(root, metadata, version)
