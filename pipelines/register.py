"""Log each evaluated model as an MLflow run, register it, tag it `staging`, try to promote it.

Training stays offline and cacheable by DVC; this is the one stage that talks to the tracking
server (`MLFLOW_TRACKING_URI`, default the local server that `make mlflow` starts).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from contract.bands import BandPolicy
from contract.prior import TAG_PRIOR, prior_tag
from pipelines.cli import StageError, run
from pipelines.evaluate import read_live
from pipelines.params import Params, PipelineSettings
from pipelines.promote import LIVE_ANSWERS, LIVE_SETS, STAGING, Decision, promote
from pipelines.tracking import connect

log = logging.getLogger("pipelines.register")
EXPERIMENT = "callcenterai"
# Which params.yaml profile trained a version ("full", or e.g. "quick" from pipelines.quick).
PROFILE_TAG = "training.profile"


def _metric_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower()


def flat_metrics(report: dict) -> dict[str, float]:
    metrics = {f"test_{k}": report[k] for k in ("accuracy", "macro_f1", "weighted_f1", "ece")}
    for label, row in report.get("per_class", {}).items():
        metrics[f"test_f1_{_metric_name(label)}"] = row["f1"]
    for key, value in report.get("latency", {}).items():
        metrics[f"latency_{key}"] = value
    for name in LIVE_SETS:  # the development live set and the held-out one
        live = report.get(name, {})
        if "accuracy" in live:
            metrics[f"{name}_accuracy"] = live["accuracy"]
        for language, accuracy in live.get("by_language", {}).items():
            metrics[f"{name}_accuracy_{_metric_name(language)}"] = accuracy
    for key, value in report.get("training", {}).items():
        if isinstance(value, int | float):
            metrics[f"training_{key}"] = value
    return metrics


def ticket_key(text: str, label: str) -> str:
    """A live-style ticket's identity across runs: a relabelled or rewritten ticket is another."""
    return hashlib.sha256(f"{label}\n{text}".encode()).hexdigest()[:16]


def live_answers(metrics_dir: Path, kind: str, live_paths: dict[str, Path]) -> dict:
    """Per live-style set, per ticket: 1 when this model's answer was right (the evaluate
    stage's probabilities, in the set's row order). The gate pairs them with production's."""
    out: dict[str, dict[str, int]] = {}
    for name, path in live_paths.items():
        probs = metrics_dir / f"{kind}_{name}_probs.npz"
        if not probs.is_file() or not path.is_file():
            continue
        data, frame = np.load(probs), read_live(path)
        if frame["label"].tolist() != data["truth"].tolist():
            raise StageError(f"{probs} does not match {path}: run the evaluate stage again")
        right = data["labels"][data["probs"].argmax(axis=1)] == data["truth"]
        out[name] = {
            ticket_key(text, label): int(ok)
            for text, label, ok in zip(frame["text"], frame["label"], right, strict=True)
        }
    return out


def log_and_register(
    client: MlflowClient,
    kind: str,
    name: str,
    model_dir: Path,
    metrics_dir: Path,
    splits_dir: Path,
    params: Params,
    version_tags: dict[str, str] | None = None,
    live_paths: dict[str, Path] | None = None,
) -> str:
    """One run per model: params, test metrics, reports, per-ticket live answers (`live_paths`:
    the live-style sets evaluate scored) and the MLflow model; then a version."""
    report_path = metrics_dir / f"{kind}.json"
    if not report_path.is_file():
        raise StageError(f"{report_path}: missing; run the evaluate stage first")
    report = json.loads(report_path.read_text())
    manifest = json.loads((splits_dir / "manifest.json").read_text())
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}") as active:
        section = params.svm if kind == "svm" else params.transformer
        mlflow.log_params({f"{kind}.{k}": v for k, v in section.model_dump().items()})
        mlflow.log_params(
            {"split.seed": params.split.seed, "train_rows": manifest["train"]["rows"]}
        )
        mlflow.log_metrics({**flat_metrics(report), **band_metrics(metrics_dir, kind)})
        mlflow.set_tags(
            {
                "kind": kind,
                PROFILE_TAG: params.profile or "full",
                "split_sha256": manifest["test"]["sha256"],
                "data_sha256": manifest["source_sha256"],
            }
        )
        for suffix in (".json", "_confusion.json", "_confusion.png"):
            mlflow.log_artifact(str(metrics_dir / f"{kind}{suffix}"), artifact_path="reports")
        if version_tags:
            mlflow.log_dict(version_tags, "reports/version_tags.json")
        if live_paths:
            mlflow.log_dict(live_answers(metrics_dir, kind, live_paths), LIVE_ANSWERS)
        mlflow.log_artifacts(str(model_dir), artifact_path="model")
        source = f"{active.info.artifact_uri}/model"
        run_id = active.info.run_id
    try:
        client.create_registered_model(name, description=f"CallCenterAI {kind} ticket classifier")
    except MlflowException as exc:
        if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
            raise
    version = client.create_model_version(
        name,
        source=source,
        run_id=run_id,
        description=f"test accuracy {report['accuracy']}, macro-F1 {report['macro_f1']}",
        tags=version_tags,
    ).version
    client.set_registered_model_alias(name, STAGING, version)
    log.info("%s: registered v%s (run %s) as %s", name, version, run_id, STAGING)
    return str(version)


def router_tags(metrics_dir: Path) -> dict[str, str]:
    """The calibrated routing policy travels with the SVM version it was calibrated for."""
    path = metrics_dir / "router.json"
    if not path.is_file():
        return {}
    router = json.loads(path.read_text())
    return {
        f"router.{key}": str(router[key])
        for key in (
            "svm_threshold",
            "long_words",
            "complexity_max",
            "transformer_budget",
            "blend_weight",
            "blend_weight_non_english",
        )
        if router.get(key) is not None
    }


def band_tags(metrics_dir: Path, kind: str) -> dict[str, str]:
    """Each version carries its own `auto`-band thresholds (contract.bands), as calibrated."""
    path = metrics_dir / "bands.json"
    if not path.is_file():
        return {}
    chosen = json.loads(path.read_text())["policies"][kind]
    return BandPolicy(chosen["confidence"], chosen["familiarity"]).tags()


def prior_tags(splits_dir: Path, splits: list[str], label_column: str) -> dict[str, str]:
    """The class mix a version was fit on: the agent moves its answers from it onto a desk's
    reviewed mix (contract.prior)."""
    labels = pd.concat(
        pd.read_csv(splits_dir / f"{split}.csv", usecols=[label_column])[label_column]
        for split in splits
    )
    return {TAG_PRIOR: prior_tag(labels.value_counts().to_dict())}


def band_metrics(metrics_dir: Path, kind: str) -> dict[str, float]:
    """How this model's own `auto` answers fared on each live set: the gate's band floor."""
    path = metrics_dir / "bands.json"
    if not path.is_file():
        return {}
    replay = json.loads(path.read_text())["replay"]
    metrics = {}
    for live in LIVE_SETS:
        mine = replay.get(live, {}).get("by_model", {}).get(kind)
        if mine is None:
            continue
        metrics[f"{live}_auto_rows"] = float(mine["auto_rows"])
        if mine["auto_accuracy"] is not None:
            metrics[f"{live}_auto_accuracy"] = mine["auto_accuracy"]
    return metrics


def register_all(settings: PipelineSettings, params: Params) -> dict[str, Decision]:
    client = MlflowClient()
    decisions = {}
    for kind, name in (
        ("svm", params.registry.svm_name),
        ("transformer", params.registry.transformer_name),
    ):
        version = log_and_register(
            client,
            kind,
            name,
            settings.models_dir / kind,
            settings.metrics_dir,
            settings.splits_dir,
            params,
            {
                PROFILE_TAG: params.profile or "full",
                **(router_tags(settings.metrics_dir) if kind == "svm" else {}),
                **band_tags(settings.metrics_dir, kind),
                **prior_tags(
                    settings.splits_dir,
                    ["train"] if kind == "svm" else params.transformer.fit_splits,
                    params.data.label_column,
                ),
            },
            dict(zip(LIVE_SETS, (settings.live_path, settings.live_holdout_path), strict=True)),
        )
        decisions[kind] = promote(client, name, version, params.registry)
        log.info("%s: %s", name, decisions[kind].reason)
    return decisions


def main() -> None:
    settings = PipelineSettings()
    connect(settings.tracking_uri)
    params = settings.params()
    try:
        decisions = register_all(settings, params)
    except MlflowException as exc:
        raise StageError(f"MLflow at {mlflow.get_tracking_uri()}: {exc.message}") from None
    Path(settings.metrics_dir / "registry.json").write_text(
        json.dumps({k: vars(d) for k, d in decisions.items()}, indent=2)
    )


if __name__ == "__main__":
    run(main)
