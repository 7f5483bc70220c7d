"""InferenceService patches and readiness as plain functions, patches checked against KServe."""

from __future__ import annotations

import copy
import os
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from rollout import MODEL_KEY, URI_KEY, VERSION_KEY
from rollout.kserve import (
    FAILED,
    PENDING,
    READY,
    Serving,
    assess,
    canary_name_for,
    plan_patch,
    predictor_service,
    stable_uri,
    state_of,
)
from tests.charts.test_chart import unknown_fields

ROOT = Path(__file__).resolve().parents[2]
ENV = "CCAI_PREDICTOR_MODEL_VERSION"
V1, V2, V3 = "s3://mlflow/artifacts/1/a/model", "s3://mlflow/artifacts/1/b/model", "s3://x/c"


def isvc(uri: str | None = V1, version: str | None = "1") -> dict:
    """Shaped like charts/callcenterai/templates/predictors-inferenceservice.yaml renders it."""
    model = {
        "modelFormat": {"name": "callcenterai-svm", "version": "1"},
        "runtime": "callcenterai-svm-runtime",
        "protocolVersion": "v2",
        "env": [{"name": "CCAI_PREDICTOR_MAX_REQUEST_TEXTS", "value": "64"}],
        "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
        "readinessProbe": {"httpGet": {"path": "/v2/models/callcenter-svm/ready", "port": 8080}},
    }
    if uri:
        model["storageUri"] = uri
    annotations = {"serving.kserve.io/deploymentMode": "Standard"}
    labels = {"app.kubernetes.io/part-of": "callcenterai"}
    if version:
        annotations[VERSION_KEY] = version
        model["env"].append({"name": ENV, "value": version})
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": "callcenter-svm",
            "namespace": "callcenterai",
            "generation": 3,
            "annotations": annotations,
            "labels": labels,
        },
        "spec": {"predictor": {"minReplicas": 1, "maxReplicas": 1, "model": model}},
    }


def merge(target, patch):
    """RFC 7386 JSON merge patch, as the API server applies it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def patched(obj: dict, want: Serving) -> dict:
    patch = plan_patch(obj, want, model="callcenter-svm", rollout="svm", version_env=ENV)
    assert patch is not None
    return merge(obj, patch)


def env(component: dict) -> dict:
    return {e["name"]: e["value"] for e in component.get("env", [])}


@cache
def isvc_schema() -> dict | None:
    folder = Path(os.environ.get("CCAI_CRDS_DIR", ROOT.parent / "shared" / "crds"))
    path = folder / "serving.kserve.io_inferenceservices.yaml"
    if not path.exists():
        return None
    crd = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def assert_valid_isvc(obj: dict) -> None:
    schema = isvc_schema()
    if schema is None:
        pytest.skip("KServe CRD not found (CCAI_CRDS_DIR or ../shared/crds)")
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(obj)]
    assert not errors, errors
    assert not unknown_fields(obj, schema), unknown_fields(obj, schema)


# -- what it serves ----------------------------------------------------------------------------


def test_state_of_reads_version_uri_mode_and_readiness():
    obj = isvc()
    obj["status"] = {"conditions": [{"type": "Ready", "status": "False", "reason": "Pending"}]}
    state = state_of(obj)
    assert (state.version, state.uri, state.ready, state.ready_message) == (
        "1",
        V1,
        False,
        "Pending",
    )
    assert state.deployment_mode == "Standard" and state.predictor_name is None


def test_names_follow_kserve():
    assert predictor_service("callcenter-svm") == "callcenter-svm-predictor"
    assert predictor_service("callcenter-svm", "v7") == "callcenter-svm-v7-predictor"
    assert canary_name_for("7", None) == "v7" and canary_name_for("7", "v7") == "v7-r"


# -- patches -----------------------------------------------------------------------------------


def test_direct_patch_changes_model_version_env_and_labels_and_keeps_the_rest():
    after = patched(isvc(), Serving("2", V2))
    model = after["spec"]["predictor"]["model"]
    assert model["storageUri"] == V2
    assert env(model) == {"CCAI_PREDICTOR_MAX_REQUEST_TEXTS": "64", ENV: "2"}
    assert model["runtime"] == "callcenterai-svm-runtime" and model["resources"]
    assert after["spec"]["predictor"]["labels"][VERSION_KEY] == "2"
    annotations = after["metadata"]["annotations"]
    assert annotations[VERSION_KEY] == "2" and annotations[URI_KEY] == V2
    assert annotations[MODEL_KEY] == "callcenter-svm"
    assert annotations["serving.kserve.io/deploymentMode"] == "Standard"  # merged, kept
    assert after["metadata"]["labels"]["app.kubernetes.io/part-of"] == "callcenterai"
    assert "canary" not in after["spec"]
    assert_valid_isvc(after)
    assert plan_patch(after, Serving("2", V2), model="m", rollout="r", version_env=ENV) is None


def test_adopting_an_inference_service_as_it_is_never_touches_its_pods():
    obj = isvc(V1, version=None)
    patch = plan_patch(obj, Serving("1", V1), model="m", rollout="r", version_env=ENV)
    assert patch is not None and "spec" not in patch  # bookkeeping only
    assert merge(obj, patch)["metadata"]["annotations"][VERSION_KEY] == "1"


def test_rollback_to_no_model_removes_the_storage_uri():
    after = patched(isvc(V1, "1"), Serving(None, None))
    model = after["spec"]["predictor"]["model"]
    assert "storageUri" not in model and ENV not in env(model)
    assert VERSION_KEY not in after["metadata"]["annotations"]
    assert_valid_isvc(after)


def test_custom_container_predictor_gets_storage_uri_env():
    obj = isvc()
    obj["spec"]["predictor"] = {
        "containers": [
            {"name": "kserve-container", "image": "p:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "sidecar", "image": "s:1"},
        ]
    }
    after = patched(obj, Serving("2", V2))
    containers = after["spec"]["predictor"]["containers"]
    assert env(containers[0]) == {"X": "1", "STORAGE_URI": V2, ENV: "2"}
    assert containers[1]["name"] == "sidecar"
    assert stable_uri(after) == V2
    assert_valid_isvc(after)


def test_canary_patch_adds_a_named_canary_and_leaves_the_stable_predictor():
    want = Serving("1", V1, canary_name="v2", canary_version="2", canary_uri=V2, canary_percent=20)
    before = isvc()
    after = patched(before, want)
    assert after["spec"]["predictor"] == before["spec"]["predictor"]  # no stable restart
    (entry,) = after["spec"]["canary"]
    assert entry["trafficPercent"] == 20
    canary = entry["predictor"]
    assert canary["name"] == "v2" and canary["labels"][VERSION_KEY] == "2"
    assert canary["model"]["storageUri"] == V2 and env(canary["model"])[ENV] == "2"
    assert canary["model"]["runtime"] == "callcenterai-svm-runtime"
    assert "minReplicas" not in canary  # KServe refuses autoscaling fields on canaries
    assert_valid_isvc(after)
    assert plan_patch(after, want, model="m", rollout="r", version_env=ENV) is None

    # Promotion: the stable predictor is retargeted to the canary, which is dropped.
    promoted = patched(after, Serving("2", V2))
    assert promoted["spec"]["predictor"]["name"] == "v2"
    assert promoted["spec"]["predictor"]["model"]["storageUri"] == V2
    assert promoted["spec"]["predictor"]["minReplicas"] == 1  # stable settings kept
    assert promoted["spec"]["canary"] == []
    assert_valid_isvc(promoted)

    # Rollback: the canary entry goes, the stable one is untouched.
    rolled_back = patched(after, Serving("1", V1))
    assert rolled_back["spec"]["canary"] == []
    assert rolled_back["spec"]["predictor"] == before["spec"]["predictor"]


def test_a_new_canary_replaces_an_old_one():
    old = Serving("1", V1, canary_name="v2", canary_version="2", canary_uri=V2, canary_percent=20)
    new = Serving("1", V1, canary_name="v3", canary_version="3", canary_uri=V3, canary_percent=20)
    after = patched(patched(isvc(), old), new)
    assert [c["predictor"]["name"] for c in after["spec"]["canary"]] == ["v3"]


# -- readiness ---------------------------------------------------------------------------------


def deployment(version="2", replicas=1, updated=1, available=1, total=1, gen=2, observed=2):
    return {
        "metadata": {"name": "callcenter-svm-predictor", "generation": gen},
        "spec": {
            "replicas": replicas,
            "template": {"metadata": {"labels": {VERSION_KEY: version}}},
        },
        "status": {
            "observedGeneration": observed,
            "replicas": total,
            "updatedReplicas": updated,
            "availableReplicas": available,
        },
    }


def ready_isvc(uri=V2, ready="True", observed=3, **status):
    obj = isvc(uri, "2")
    obj["status"] = {
        "observedGeneration": observed,
        "conditions": [{"type": "Ready", "status": ready, "message": "m"}],
        **status,
    }
    return obj


@pytest.mark.parametrize(
    ("dep", "state", "words"),
    [
        (deployment(), READY, "Ready with the new model"),
        (deployment(updated=1, total=2), PENDING, "old replicas"),
        (deployment(replicas=2, updated=1, total=2), PENDING, "1 of 2 replicas updated"),
        (deployment(available=0), PENDING, "0 of 1 updated replicas available"),
        (deployment(observed=1), PENDING, "not observed"),
        (deployment(version="1"), PENDING, "still templates version 1"),
    ],
)
def test_raw_mode_ready_needs_a_finished_deployment_rollout(dep, state, words):
    # KServe keeps Ready=True while old pods serve: the Deployment tells the truth.
    result = assess(ready_isvc(), dep, Serving("2", V2))
    assert result.state == state and words in result.message


def test_progress_deadline_and_failed_loads_are_failures():
    dep = deployment(updated=0, total=1)
    dep["status"]["conditions"] = [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    ]
    assert assess(ready_isvc(), dep, Serving("2", V2)).state == FAILED
    blocked = ready_isvc(
        modelStatus={
            "transitionStatus": "BlockedByFailedLoad",
            "lastFailureInfo": {"reason": "ModelLoadFailed", "message": "no MLmodel"},
        }
    )
    result = assess(blocked, deployment(), Serving("2", V2))
    assert result.state == FAILED and "no MLmodel" in result.message


def test_without_a_readable_deployment_kserve_status_decides():
    want = Serving("2", V2)
    assert assess(ready_isvc(), None, want).state == READY
    assert assess(ready_isvc(observed=2), None, want).state == PENDING  # generation 3 not seen
    assert assess(ready_isvc(ready="False"), None, want).state == PENDING
    assert assess(ready_isvc(uri=V1), None, want).state == PENDING  # not patched yet
    serverless = ready_isvc(
        components={"predictor": {"latestCreatedRevision": "r-2", "latestReadyRevision": "r-1"}}
    )
    assert assess(serverless, None, want).state == PENDING


def test_canary_readiness_comes_from_canary_statuses():
    want = Serving("1", V1, canary_name="v2", canary_version="2", canary_uri=V2, canary_percent=20)
    obj = ready_isvc(uri=V1)
    missing = assess(obj, None, want)
    assert missing.state == PENDING and "KServe >= 0.20" in missing.message
    obj["status"]["canaryStatuses"] = [{"name": "v2", "ready": False, "trafficPercent": 20}]
    assert assess(obj, None, want).state == PENDING
    obj["status"]["canaryStatuses"][0]["ready"] = True
    assert assess(obj, None, want).state == READY
    assert assess(obj, deployment(updated=0, total=1), want).state == PENDING
    obj["status"]["canaryStatuses"][0]["modelStatus"] = {"transitionStatus": "InvalidSpec"}
    assert assess(obj, None, want).state == FAILED
