"""The ModelRollout CRD: structural, readable in kubectl, accepting what the operator writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml

from rollout import GROUP, KIND, PLURAL, VERSION
from rollout.decide import ARTIFACTS_MISSING, Observation, RegistryView, decide
from rollout.health import HealthReport, HealthSample
from rollout.kserve import IsvcState, Readiness
from rollout.model import PHASES, RolloutSpec, RolloutStatus, Strategy

CRD = (
    Path(__file__).resolve().parents[2]
    / "charts/callcenterai/crds/modelrollouts.callcenterai.io.yaml"
)
crd = yaml.safe_load(CRD.read_text())
VERSION_SPEC = crd["spec"]["versions"][0]
SCHEMA = VERSION_SPEC["schema"]["openAPIV3Schema"]


def errors(obj: dict) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(obj)
    ]


def pruned(value, schema: dict, path: str = "") -> list[str]:
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key in schema["properties"]:
                found += pruned(item, schema["properties"][key], f"{path}.{key}")
            elif path != ".metadata":
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += pruned(item, schema["items"], f"{path}[{i}]")
    return found


def structural(schema: dict, path: str = "") -> list[str]:
    """Kubernetes requires a type on every node (except preserve-unknown-fields ones)."""
    problems = []
    if "type" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        problems.append(path or "/")
    for key, sub in schema.get("properties", {}).items():
        problems += structural(sub, f"{path}.{key}")
    if "items" in schema:
        problems += structural(schema["items"], f"{path}[]")
    return problems


def rollout(**spec) -> dict:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": KIND,
        "metadata": {"name": "svm", "namespace": "callcenterai"},
        "spec": {"model": "callcenter-svm", "inferenceService": "callcenter-svm", **spec},
    }


def test_names_match_the_operator():
    assert crd["spec"]["group"] == GROUP and crd["spec"]["scope"] == "Namespaced"
    names = crd["spec"]["names"]
    assert (names["kind"], names["plural"], names["shortNames"]) == (KIND, PLURAL, ["mro"])
    assert VERSION_SPEC["name"] == VERSION and VERSION_SPEC["subresources"] == {"status": {}}
    assert crd["metadata"]["name"] == f"{PLURAL}.{GROUP}"


def test_schema_is_structural():
    assert structural(SCHEMA) == []


def test_printer_columns_point_at_declared_fields():
    columns = {c["name"]: c for c in VERSION_SPEC["additionalPrinterColumns"]}
    assert list(columns) == ["Model", "Alias", "Serving", "Target", "Phase", "Reason", "Message",
                             "Age"]  # fmt: skip
    for column in columns.values():
        parts = column["jsonPath"].lstrip(".").split(".")
        if parts[0] == "metadata":
            continue
        node = SCHEMA
        for part in parts:
            node = node["properties"][part]
        assert node["type"] == column["type"], column


def test_examples_are_accepted_and_mistakes_refused():
    assert errors(rollout()) == []
    full = rollout(
        alias="production",
        version="12",
        servedModelName="callcenter-svm",
        suspend=False,
        historyLimit=20,
        strategy={
            "readinessTimeoutSeconds": 900,
            "bakeSeconds": 600,
            "maxErrorRate": 0.02,
            "maxLatencyMs": 250,
            "minRequests": 50,
            "canaryTrafficPercent": 10,
            "revertAlias": False,
        },
    )
    assert errors(full) == [] and pruned(full, SCHEMA) == []
    bad = {
        "no model": {"spec": {"inferenceService": "x"}},
        "canary 100": rollout(strategy={"canaryTrafficPercent": 100}),
        "error rate 5": rollout(strategy={"maxErrorRate": 5}),
        "alias with spaces": rollout(alias="my alias"),
        "version not a number": rollout(version="latest"),
        "isvc not a DNS name": rollout(inferenceService="Callcenter_SVM"),
    }
    for name, obj in bad.items():
        assert errors({**rollout(), **obj}), name


def statuses_of_every_phase() -> list[RolloutStatus]:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    spec = RolloutSpec("callcenter-svm", "callcenter-svm", strategy=Strategy(bake_s=10))
    isvc = IsvcState("1", "s3://m/1", True, "", "Standard", None)
    ok = RegistryView("2", "s3://m/2")
    report = HealthReport(
        (HealthSample("probe", 20, errors=0, slow=0),),
        {"probe": {"requests": 20, "errors": 0, "slow": 0, "lastError": ""}},
    )
    out = []
    st = decide(spec, RolloutStatus(), Observation(RegistryView("1", "s3://m/1"), isvc), now).status
    out.append(st)  # Idle
    st = decide(spec, st, Observation(ok, isvc), now).status
    out.append(st)  # Progressing
    st = decide(spec, st, Observation(ok, isvc, Readiness("ready", "")), now).status
    out.append(st)  # Baking
    later = now + timedelta(seconds=5)
    out.append(
        decide(spec, st, Observation(ok, isvc, Readiness("ready", ""), report), later).status
    )
    later = now + timedelta(seconds=11)
    out.append(
        decide(spec, st, Observation(ok, isvc, Readiness("ready", ""), report), later).status
    )
    out.append(decide(spec, st, Observation(ok, isvc, Readiness("failed", "x")), later).status)
    bad = RegistryView("3", None, ARTIFACTS_MISSING, "no MLmodel")
    out.append(decide(spec, out[0], Observation(bad, isvc), now).status)
    return out


def stored(status: RolloutStatus) -> dict:
    """What the API server keeps after the operator's merge patch (nulls remove keys)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(status.to_dict())


def test_every_status_the_operator_writes_is_valid_and_nothing_is_pruned():
    seen = set()
    for status in statuses_of_every_phase():
        obj = {**rollout(), "status": stored(status)}
        assert errors(obj) == [], (status.phase, errors(obj))
        assert pruned(obj, SCHEMA) == [], pruned(obj, SCHEMA)
        seen.add(status.phase)
    assert seen == set(PHASES)


@pytest.mark.parametrize("phase", PHASES)
def test_phase_enum_lists_every_phase(phase):
    assert phase in SCHEMA["properties"]["status"]["properties"]["phase"]["enum"]
