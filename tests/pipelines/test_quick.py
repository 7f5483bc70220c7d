"""The quick profile (pipelines.quick): a first model in minutes, replaceable through the gate.

Real MLflow server, real stages on the committed sample (no mocks); the English MiniLM base
stands in for e5, as in every pipeline test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient

from contract.transformer_runtime import TicketEncoder
from pipelines.params import RegistryParams, load_params
from pipelines.promote import PRODUCTION, promote
from pipelines.quick import stages
from pipelines.register import PROFILE_TAG
from tests.conftest import ROOT, pipeline_env, run_stage

NAMES = {"svm_name": "quick-svm", "transformer_name": "quick-transformer"}


@pytest.fixture(scope="module")
def quick(tmp_path_factory, tiny_params_file, mlflow_server):
    """pipelines.quick run on the sample, registering under names of its own."""
    work = tmp_path_factory.mktemp("quick")
    params = yaml.safe_load(tiny_params_file.read_text())
    params["registry"].update(NAMES)
    (work / "params.yaml").write_text(yaml.safe_dump(params))
    shutil.copy(ROOT / "data" / "sample.csv", work / "tickets.csv")
    env = pipeline_env(work, work / "params.yaml", MLFLOW_TRACKING_URI=mlflow_server)
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.quick", "--dir", str(work / "quick")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return work, result.stdout


@pytest.fixture()
def client(mlflow_server, monkeypatch) -> MlflowClient:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    mlflow.set_tracking_uri(mlflow_server)
    return MlflowClient(mlflow_server)


def test_the_quick_run_is_dvc_yaml_s_stages_in_order():
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    names = [name for name, _ in stages(ROOT / "dvc.yaml")]
    assert names == list(spec)
    assert names[0] == "prepare" and names[-1] == "register"
    assert all(argv[0] == sys.executable for _, argv in stages(ROOT / "dvc.yaml"))


def test_the_quick_profile_applies_on_top_of_params_yaml_and_nothing_else_does():
    quick = load_params(ROOT / "params.yaml", profile="quick")
    full = load_params(ROOT / "params.yaml")
    assert (quick.transformer.head, full.transformer.head) == ("frozen", "finetune")
    assert (quick.profile, full.profile) == ("quick", "")
    assert quick.svm == full.svm and quick.router == full.router
    with pytest.raises(Exception, match="no profile 'nope'"):
        load_params(ROOT / "params.yaml", profile="nope")


def test_quick_run_reports_each_step_and_keeps_to_its_own_folder(quick):
    work, stdout = quick
    steps = [line for line in stdout.splitlines() if ": done in " in line]
    assert len(steps) == len(stages(ROOT / "dvc.yaml"))
    assert steps[-1].startswith("[8/8] register: done in ") and "total" in steps[-1]
    assert (work / "quick" / "metrics" / "transformer.json").is_file()
    # The full profile's folders (DVC's outputs) are untouched.
    assert not (work / "models").exists() and not (work / "metrics").exists()
    training = json.loads((work / "quick" / "models" / "transformer" / "training.json").read_text())
    assert training["head"] == "frozen" and training["steps"] == 0


def test_the_served_graph_and_pytorch_agree_on_the_frozen_head(quick):
    # The head was fit on the int8 graph's embeddings and appended to it in float32; the
    # PyTorch backend (float32 encoder + the saved head) must still give the same answers.
    work, _ = quick
    model_dir = work / "quick" / "models" / "transformer"
    texts = pd.read_csv(ROOT / "data" / "sample.csv")["Document"].head(40).tolist()
    served = TicketEncoder(model_dir).scores(texts).probabilities
    torch_ = TicketEncoder(model_dir, backend="torch").scores(texts).probabilities
    assert np.mean(served.argmax(1) == torch_.argmax(1)) >= 0.9
    assert np.abs(served - torch_).max() < 0.5


def test_quick_versions_serve_and_the_full_profile_can_replace_them(
    quick, trained, tiny_params_file, client, tmp_path
):
    work, _ = quick
    for name in NAMES.values():
        production = client.get_model_version_by_alias(name, PRODUCTION)
        assert production.version == "1"
        assert production.tags[PROFILE_TAG] == "quick"
    # The full profile's models (the session's `trained` pipeline), registered under the same
    # names: the gate judges them against the quick versions, on the same test split.
    metrics = tmp_path / "metrics"
    shutil.copytree(trained / "metrics", metrics)
    env = pipeline_env(
        trained,
        work / "params.yaml",
        MLFLOW_TRACKING_URI=client.tracking_uri,
        CCAI_PIPELINE_METRICS_DIR=str(metrics),
    )
    run_stage("pipelines.register", env)
    decisions = json.loads((metrics / "registry.json").read_text())
    for kind, name in (("svm", NAMES["svm_name"]), ("transformer", NAMES["transformer_name"])):
        decision = decisions[kind]
        assert (decision["candidate"], decision["previous"]) == ("2", "1"), decision
        assert "different splits" not in decision["reason"], decision
        assert client.get_model_version(name, "2").tags[PROFILE_TAG] == "full"
        # Whatever the sample's figures decided, a gate that accepts anything better-or-worse
        # moves production to the full version: nothing about a quick version blocks it.
        permissive = RegistryParams(
            **NAMES, min_improvement=-1.0, max_live_drop=1.0, auto_accuracy_floor=0.0
        )
        moved = promote(client, name, "2", permissive)
        assert moved.promoted or decision["promoted"], moved.reason
        assert client.get_model_version_by_alias(name, PRODUCTION).version == "2"
