"""The rollout operator on a real cluster with real KServe (`make kind-e2e`, CCAI_CLUSTER_E2E=1).

Same scenario as tests/rollout/test_operator.py, where the Kubernetes API is only emulated:
register a new version of callcenter-svm and move `production` -> the operator patches the
InferenceService, KServe rolls it out, it is baked and `Succeeded`; a version whose files cannot be
loaded never becomes Ready -> `RolledBack` with the reason in the status and a Warning event; the
operator's pod deleted mid-rollout -> the new pod finishes the same rollout.

Needs the chart deployed with `rollout.enabled: true` (and the rollout image loaded into kind).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

if os.environ.get("CCAI_CLUSTER_E2E") != "1":
    pytest.skip(
        "kind end-to-end test: runs only under `make kind-e2e` (CCAI_CLUSTER_E2E=1)",
        allow_module_level=True,
    )

import httpx

from tests.cluster.conftest import RELEASE

MODEL = "callcenter-svm"
TIMEOUT = float(os.environ.get("CCAI_ROLLOUT_E2E_TIMEOUT", "900"))
pytestmark = pytest.mark.timeout(4 * TIMEOUT)


def wait(what: str, check: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # a port-forward or API hiccup: try again
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module")
def rollout_obj(cluster) -> dict:
    found = json.loads(cluster.run("get", "modelrollouts", "-o", "json"))["items"]
    names = [r["metadata"]["name"] for r in found]
    if MODEL not in names:
        pytest.skip(f"no ModelRollout {MODEL} (deploy the chart with rollout.enabled: true)")
    return cluster.get("modelrollout", MODEL)


@pytest.fixture(scope="module")
def mlflow(cluster) -> Iterator[Any]:
    from mlflow import MlflowClient

    selector = f"app.kubernetes.io/instance={RELEASE},app.kubernetes.io/component=mlflow"
    with cluster.port_forward(cluster.service_name(selector), 5000) as url:
        yield MlflowClient(tracking_uri=url)


@pytest.fixture(scope="module")
def fast_strategy(cluster, rollout_obj) -> Iterator[None]:
    """Short bake and readiness timeout for the test; the chart's values come back after."""
    before = rollout_obj["spec"].get("strategy", {})
    patch = {"spec": {"strategy": {"bakeSeconds": 60, "readinessTimeoutSeconds": 300}}}
    cluster.run("patch", "modelrollout", MODEL, "--type", "merge", "-p", json.dumps(patch))
    yield
    restore = {"spec": {"strategy": before}}
    cluster.run("patch", "modelrollout", MODEL, "--type", "merge", "-p", json.dumps(restore))


def status(cluster) -> dict:
    return cluster.get("modelrollout", MODEL).get("status", {})


def new_version(mlflow, loadable: bool = True) -> str:
    """A registry version: a copy of production's files, or a folder with a broken MLmodel."""
    production = mlflow.get_model_version_by_alias(MODEL, "production")
    if loadable:
        mv = mlflow.create_model_version(MODEL, production.source, production.run_id)
    else:
        experiment = mlflow.get_run(production.run_id).info.experiment_id
        run = mlflow.create_run(experiment)
        mlflow.log_text(run.info.run_id, "this is not an MLmodel file: {[", "model/MLmodel")
        mlflow.set_terminated(run.info.run_id)
        mv = mlflow.create_model_version(MODEL, f"{run.info.artifact_uri}/model", run.info.run_id)
    return str(mv.version)


def events(cluster, reason: str) -> list[dict]:
    found = cluster.get("events", "--field-selector", f"involvedObject.name={MODEL}")["items"]
    return [e for e in found if e.get("reason") == reason]


def serving_version(predictor_url) -> str | None:
    body = {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["vpn down"]}]}
    answer = httpx.post(f"{predictor_url(MODEL)}/v2/models/{MODEL}/infer", json=body, timeout=30)
    return answer.json().get("model_version") if answer.status_code == 200 else None


def phase(cluster) -> str | None:
    return status(cluster).get("phase")


def isvc_model(cluster) -> dict:
    return cluster.get("inferenceservice", MODEL)["spec"]["predictor"]["model"]


def isvc_version(cluster) -> str | None:
    annotations = cluster.get("inferenceservice", MODEL)["metadata"].get("annotations", {})
    return annotations.get("callcenterai.io/model-version")


def last_rollout(cluster) -> dict:
    history = status(cluster).get("history") or [{}]
    return history[0]


def test_alias_move_is_rolled_out_by_real_kserve(cluster, mlflow, fast_strategy, predictor_url):
    wait("a ModelRollout at rest", lambda: phase(cluster) not in {None, "Progressing", "Baking"})
    version = new_version(mlflow)
    mlflow.set_registered_model_alias(MODEL, "production", version)
    wait("the InferenceService patch", lambda: isvc_version(cluster) == version)
    wait("Succeeded", lambda: status(cluster).get("currentVersion") == version)
    assert phase(cluster) == "Succeeded"
    assert last_rollout(cluster)["result"] == "Succeeded"
    wait("the predictor answering with it", lambda: serving_version(predictor_url) == version)
    assert events(cluster, "Succeeded")


def test_version_that_never_gets_ready_is_rolled_back(cluster, mlflow, fast_strategy):
    good = status(cluster)["currentVersion"]
    uri = isvc_model(cluster)["storageUri"]
    broken = new_version(mlflow, loadable=False)
    mlflow.set_registered_model_alias(MODEL, "production", broken)
    wait("RolledBack", lambda: last_rollout(cluster).get("version") == broken)
    rolled = last_rollout(cluster)
    assert rolled["result"] == "RolledBack", rolled
    assert rolled["reason"] in {"ReadinessTimeout", "NotReady"}, rolled
    st = status(cluster)
    assert st["phase"] == "RolledBack" and st["currentVersion"] == good
    wait("a RolledBack event", lambda: events(cluster, "RolledBack"))
    wait("the model restored", lambda: isvc_model(cluster)["storageUri"] == uri)
    wait(
        "the alias reverted",
        lambda: mlflow.get_model_version_by_alias(MODEL, "production").version == good,
        timeout=120,
    )


def test_operator_pod_deleted_mid_rollout_finishes_it(cluster, mlflow, fast_strategy):
    version = new_version(mlflow)
    mlflow.set_registered_model_alias(MODEL, "production", version)
    wait("Progressing", lambda: status(cluster).get("targetVersion") == version)
    selector = f"app.kubernetes.io/instance={RELEASE},app.kubernetes.io/component=rollout"
    cluster.run("delete", "pod", "-l", selector, "--wait=false")
    wait("Succeeded", lambda: status(cluster).get("currentVersion") == version)
    history = [h for h in status(cluster)["history"] if h["version"] == version]
    assert [h["result"] for h in history] == ["Succeeded"], history
