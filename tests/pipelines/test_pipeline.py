"""The whole pipeline on the committed sample against a real MLflow server (no mocks)."""

from __future__ import annotations

import json
import shutil

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from contract.bands import REVIEW, TAG_WITHDRAWN, BandPolicy, decide
from pipelines.calibrate_bands import lower_bound
from pipelines.params import PipelineSettings, load_params
from pipelines.promote import LIVE_ANSWERS, LIVE_SETS, PRODUCTION, STAGING, promote, rollback
from pipelines.register import log_and_register
from pipelines.train_svm import train as train_svm
from tests.conftest import pipeline_env, run_stage

LIVE = pd.read_csv(PipelineSettings().live_path, keep_default_na=False)  # the development set


@pytest.fixture()
def client(mlflow_server, monkeypatch) -> MlflowClient:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    mlflow.set_tracking_uri(mlflow_server)
    return MlflowClient(mlflow_server)


def test_metrics_and_reports_written(trained):
    metrics = trained / "metrics"
    for kind in ("svm", "transformer"):
        report = json.loads((metrics / f"{kind}.json").read_text())
        assert {"accuracy", "macro_f1", "weighted_f1", "ece", "per_class", "latency"} <= set(report)
        assert 0.0 <= report["accuracy"] <= 1.0
        assert len(report["per_class"]) == 8
        assert sum(row["support"] for row in report["per_class"].values()) == 400
        assert (metrics / f"{kind}_confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        confusion = json.loads((metrics / f"{kind}_confusion.json").read_text())
        assert sum(map(sum, confusion["matrix"])) == 400
        # The hand-written live-style set is scored next to the test split, per language.
        assert set(report["live"]["by_language"]) == {"ar", "en", "fr"}
        assert report["live"]["rows"] == len(LIVE)
        # ... and per batch (batch 2 was written after the glossary was read off batch 1).
        batches = report["live"]["by_batch"]
        counts = LIVE["batch"].astype(str).value_counts().to_dict()
        assert {batch: row["rows"] for batch, row in batches.items()} == counts
        right = sum(row["rows"] * row["accuracy"] for row in batches.values())
        assert right == pytest.approx(report["live"]["accuracy"] * len(LIVE), abs=0.05)
        assert (metrics / f"{kind}_live_probs.npz").is_file()
    svm = json.loads((metrics / "svm.json").read_text())
    assert svm["accuracy"] > 0.6, "even the 1,400-row sample teaches the SVM something"


def test_models_registered_with_aliases(trained, client):
    for name in ("callcenter-svm", "callcenter-transformer"):
        model = client.get_registered_model(name)
        assert {STAGING, PRODUCTION} <= set(model.aliases)
        version = client.get_model_version_by_alias(name, PRODUCTION)
        run = client.get_run(version.run_id)
        assert "test_accuracy" in run.data.metrics
        assert run.data.tags["split_sha256"]
        artifacts = {a.path for a in client.list_artifacts(version.run_id, "reports")}
        assert any(p.endswith("_confusion.png") for p in artifacts)
    router = json.loads((trained / "metrics" / "router.json").read_text())
    assert 0.0 <= router["val_transformer_share"] <= 0.3
    assert router["live_rows"] == len(LIVE) and 0.0 <= router["live_accuracy"] <= 1.0
    svm = client.get_model_version_by_alias("callcenter-svm", PRODUCTION)
    assert float(svm.tags["router.svm_threshold"]) == router["svm_threshold"]
    assert svm.tags["router.long_words"] == "120"
    # The blend weight that travels with the SVM version is the best one the sweep saw.
    assert float(svm.tags["router.blend_weight"]) == router["blend_weight"]
    best = max(router["blend_sweep"], key=lambda r: (r["score"], -r["weight"]))
    assert best["weight"] == router["blend_weight"]
    # So does the one for non-English tickets, chosen on the live set's French and Arabic rows.
    other = float(svm.tags["router.blend_weight_non_english"])
    best = max(router["blend_non_english_sweep"], key=lambda r: (r["live_accuracy"], -r["weight"]))
    assert other == router["blend_weight_non_english"] == best["weight"]
    assert router["blend_non_english_rows"] == (LIVE["language"] != "en").sum()
    loaded = mlflow.pyfunc.load_model("models:/callcenter-svm@production")
    assert loaded.metadata.signature.inputs.input_names() == ["text"]
    assert loaded.metadata.metadata["callcenterai"]["labels"] == load_params().data.labels


def test_quality_gate_refuses_worse_candidate_then_rollback(trained, tiny_params_file, client):
    name = "callcenter-svm"
    before = client.get_model_version_by_alias(name, PRODUCTION).version
    params = load_params(tiny_params_file, {"svm": {"C": 0.0005, "char_ngram_max": 0}})
    worse = trained / "worse"
    shutil.copytree(trained / "splits", worse / "splits")
    train_svm(worse / "splits", worse / "models" / "svm", params)
    env = pipeline_env(worse, tiny_params_file)
    env["CCAI_PIPELINE_SPLITS_DIR"] = str(worse / "splits")
    run_stage(
        "pipelines.evaluate", {**env, "CCAI_PIPELINE_MODELS_DIR": str(worse / "models")}, False
    )
    version = log_and_register(
        client, "svm", name, worse / "models" / "svm", worse / "metrics", worse / "splits", params
    )
    assert client.get_model_version_by_alias(name, STAGING).version == version
    decision = promote(client, name, version)
    assert not decision.promoted
    assert "does not beat production" in decision.reason
    assert client.get_model_version_by_alias(name, PRODUCTION).version == before

    # A human can still force it through a rollback to a named version, and back again.
    rollback(client, name, version)
    assert client.get_model_version_by_alias(name, PRODUCTION).version == version
    result = run_stage(
        "pipelines.promote",
        {**env, "MLFLOW_TRACKING_URI": client._registry_uri},
        True,
        "--model",
        name,
        "--rollback-to",
        before,
    )
    assert f"to v{before}" in result.stdout
    assert client.get_model_version_by_alias(name, PRODUCTION).version == before


def test_promote_cli_unknown_version_is_one_line(trained, tiny_params_file, mlflow_server):
    env = {**pipeline_env(trained, tiny_params_file), "MLFLOW_TRACKING_URI": mlflow_server}
    result = run_stage(
        "pipelines.promote", env, False, "--model", "callcenter-svm", "--rollback-to", "999"
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error: callcenter-svm has no version 999" in result.stderr


def test_register_without_server_fails_fast(trained, tiny_params_file):
    env = {**pipeline_env(trained, tiny_params_file), "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    result = run_stage("pipelines.register", env, False)
    assert result.returncode == 2
    assert "not reachable at http://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("live", ["live", "live_holdout"])
def test_quality_gate_refuses_a_candidate_that_fails_live_tickets(
    trained, tiny_params_file, client, live: str
):
    """Better on the stripped test split but much worse on a live-style set (the development
    one or the held-out one): refused."""
    name = "callcenter-svm"
    before = client.get_model_version_by_alias(name, PRODUCTION).version
    prod_run = client.get_run(client.get_model_version(name, before).run_id).data.metrics
    assert f"{live}_accuracy" in prod_run and f"{live}_accuracy_fr" in prod_run
    report = json.loads((trained / "metrics" / "svm.json").read_text())
    report["accuracy"] = prod_run["test_accuracy"] + 0.01
    report[live]["accuracy"] = prod_run[f"{live}_accuracy"] - 0.2
    metrics = trained / f"{live}-gate" / "metrics"
    shutil.copytree(trained / "metrics", metrics)  # the reports are logged with the run
    (metrics / "svm.json").write_text(json.dumps(report))
    params = load_params(tiny_params_file)
    version = log_and_register(
        client, "svm", name, trained / "models" / "svm", metrics, trained / "splits", params
    )
    decision = promote(client, name, version, params.registry)
    assert not decision.promoted
    assert f"{live} accuracy" in decision.reason
    assert client.get_model_version_by_alias(name, PRODUCTION).version == before


# The live-style sets the register stage logs answers for (its settings' defaults).
_DEFAULTS = PipelineSettings()
LIVE_PATHS = dict(zip(LIVE_SETS, (_DEFAULTS.live_path, _DEFAULTS.live_holdout_path), strict=True))


@pytest.mark.parametrize("answers", ["same", "rotated"])
def test_live_guard_judges_the_tickets_both_versions_answered(
    trained, tiny_params_file, client, answers: str
):
    """With per-ticket answers logged for both versions (as the register stage logs them), the
    live guard compares them ticket by ticket: a candidate with production's answers passes
    even when its report's live figure reads 0.2 lower; one whose live answers are moved to
    another category (all the right ones lost) is refused on the paired evidence."""
    name = "callcenter-svm"
    before = client.get_model_version_by_alias(name, PRODUCTION).version
    prod_run = client.get_run(client.get_model_version(name, before).run_id)
    logged = {a.path for a in client.list_artifacts(prod_run.info.run_id, "reports")}
    assert LIVE_ANSWERS in logged, "the register stage logs each version's live answers"
    metrics = trained / f"paired-{answers}" / "metrics"
    shutil.copytree(trained / "metrics", metrics)
    report = json.loads((metrics / "svm.json").read_text())
    report["accuracy"] = prod_run.data.metrics["test_accuracy"] + 0.01
    report["live"]["accuracy"] = prod_run.data.metrics["live_accuracy"] - 0.2
    (metrics / "svm.json").write_text(json.dumps(report))
    if answers == "rotated":
        probs = dict(np.load(metrics / "svm_live_probs.npz"))
        probs["probs"] = np.roll(probs["probs"], 1, axis=1)  # every argmax moves one label on
        np.savez(metrics / "svm_live_probs.npz", **probs)
    params = load_params(tiny_params_file)
    model = trained / "models" / "svm"
    version = log_and_register(
        client, "svm", name, model, metrics, trained / "splits", params, None, LIVE_PATHS
    )
    decision = promote(client, name, version, params.registry)
    if answers == "same":
        assert decision.promoted, decision.reason
        rollback(client, name, before)
    else:
        assert not decision.promoted
        assert "live accuracy" in decision.reason and "tickets both answered" in decision.reason
        assert client.get_model_version_by_alias(name, PRODUCTION).version == before


def _register_with_a_bad_band(trained, client, name: str, rows: int, better_by: float) -> str:
    """A copy of the trained SVM whose own held-out `auto` answers are right 0.5 of the time."""
    metrics = trained / f"floor-{name}-{rows}" / "metrics"
    shutil.copytree(trained / "metrics", metrics)
    report = json.loads((metrics / "svm.json").read_text())
    report["accuracy"] += better_by
    (metrics / "svm.json").write_text(json.dumps(report))
    bands = json.loads((metrics / "bands.json").read_text())
    bands["replay"]["live_holdout"]["by_model"]["svm"].update(auto_rows=rows, auto_accuracy=0.5)
    (metrics / "bands.json").write_text(json.dumps(bands))
    params = load_params()
    model = trained / "models" / "svm"
    return log_and_register(client, "svm", name, model, metrics, trained / "splits", params)


@pytest.mark.parametrize(("rows", "refused"), [(12, True), (9, False)])
def test_quality_gate_refuses_a_confidently_wrong_band_once_it_has_enough_rows(
    trained, tiny_params_file, client, rows: int, refused: bool
):
    """Better on the test split, no worse on live accuracy, but its own `auto` answers on the
    held-out live set are right 0.5 of the time: refused once there are auto_floor_rows (10)."""
    name = "callcenter-svm"
    before = client.get_model_version_by_alias(name, PRODUCTION).version
    prod = client.get_run(client.get_model_version(name, before).run_id).data.metrics
    report = json.loads((trained / "metrics" / "svm.json").read_text())
    better_by = prod["test_accuracy"] - report["accuracy"] + 0.01
    version = _register_with_a_bad_band(trained, client, name, rows, better_by)
    params = load_params(tiny_params_file)
    run = client.get_run(client.get_model_version(name, version).run_id).data.metrics
    assert run["live_holdout_auto_rows"] == rows and run["live_holdout_auto_accuracy"] == 0.5
    decision = promote(client, name, version, params.registry)
    assert decision.promoted is not refused, decision.reason
    if refused:
        assert f"its {rows} auto answers on live_holdout are right 0.5000" in decision.reason
        assert client.get_model_version_by_alias(name, PRODUCTION).version == before
    else:  # too few to judge: the usual gate decides, and this candidate passes it
        rollback(client, name, before)


def test_a_first_version_below_the_floor_serves_with_its_band_withdrawn(trained, client):
    """Nothing in production to keep: refusing would leave the agent without a model, so the
    version is promoted and its band withdrawn (the agent then sends its answers to review)."""
    name = "callcenter-svm-first-below-floor"
    version = _register_with_a_bad_band(trained, client, name, 12, 0.0)
    decision = promote(client, name, version, load_params().registry)
    assert decision.promoted and "auto band withdrawn" in decision.reason, decision.reason
    served = client.get_model_version_by_alias(name, PRODUCTION)
    assert served.version == version
    assert "live_holdout" in served.tags[TAG_WITHDRAWN]
    band = BandPolicy.from_tags(served.tags, f"{name} v{version}")
    assert decide(1.0, 1.0, band, "svm").band == REVIEW


def test_bands_are_calibrated_and_travel_with_each_version(trained, client):
    """calibrate_bands replays contract.bands on val + the development live set; register puts
    each model's thresholds on its version, where the agent reads them."""
    bands = json.loads((trained / "metrics" / "bands.json").read_text())
    targets = bands["targets"]
    for name, data in bands["replay"].items():
        assert 0.0 <= data["auto_share"] <= 1.0, name
    for kind, chosen in bands["policies"].items():
        for split, target in (("val", "target_accuracy"), ("live", "live_target_accuracy")):
            if split not in chosen["evidence"] or chosen.get(f"{split}_lower_bound") is None:
                continue
            mine = bands["replay"][split]["by_model"][kind]
            bound = lower_bound(
                round(mine["auto_accuracy"] * mine["auto_rows"]),
                mine["auto_rows"],
                targets["evidence_level"],
            )
            assert bound == pytest.approx(chosen[f"{split}_lower_bound"], abs=1e-4), (kind, split)
            assert bound >= targets[target] - 1e-9, (kind, split)
    assert set(bands["replay"]) >= {"val", "test", "live", "live_holdout"}
    for kind in ("svm", "transformer"):
        version = client.get_model_version_by_alias(f"callcenter-{kind}", PRODUCTION)
        policy = bands["policies"][kind]
        assert float(version.tags["band.confidence"]) == pytest.approx(policy["confidence"])
        assert float(version.tags["band.familiarity"]) == pytest.approx(policy["familiarity"])
        # Its own replayed auto answers per live set are metrics of its run: the band floor.
        run = client.get_run(version.run_id).data.metrics
        for live in ("live", "live_holdout"):
            mine = bands["replay"][live]["by_model"][kind]
            assert run[f"{live}_auto_rows"] == mine["auto_rows"]
            assert run.get(f"{live}_auto_accuracy") == mine["auto_accuracy"]
