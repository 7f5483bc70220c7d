"""The chart's rollout-*.yaml templates: least-privilege RBAC, wiring, value overrides.

Rendered with helm like tests/charts (which also validates these objects against their schemas
and the chart's policies when rollout.enabled is true).
"""

from __future__ import annotations

import json

import pytest
import yaml

from rollout.settings import RolloutSettings
from tests.charts import render

pytestmark = pytest.mark.timeout(300)


def objects(tmp_path, values: dict) -> list[dict]:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return render.objects(render.template([path]).stdout)


def one(objs, kind: str, name: str | None = None) -> dict:
    found = [
        o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    assert len(found) == 1, [o["metadata"]["name"] for o in found]
    return found[0]


def rollout_objects(objs) -> list[dict]:
    return [
        o
        for o in objs
        if o["kind"] == "ModelRollout"
        or o["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "rollout"
    ]


def test_nothing_rendered_when_disabled(tmp_path):
    objs = objects(tmp_path, {"rollout": {"enabled": False}})
    assert [o for o in rollout_objects(objs) if o["kind"] != "CustomResourceDefinition"] == []


def test_rbac_is_namespaced_and_least_privilege(tmp_path):
    objs = objects(tmp_path, {"rollout": {"enabled": True}})
    assert not [o for o in objs if o["kind"] in {"ClusterRole", "ClusterRoleBinding"}]
    role = one(objs, "Role", "callcenterai-rollout")
    rules = {
        (tuple(r["apiGroups"]), tuple(r["resources"]), tuple(r.get("resourceNames", []))): set(
            r["verbs"]
        )
        for r in role["rules"]
    }
    isvcs = ("callcenter-svm", "callcenter-transformer")
    assert rules == {
        (("callcenterai.io",), ("modelrollouts",), ()): {"get", "list", "watch", "patch"},
        (("callcenterai.io",), ("modelrollouts/status",), ()): {"get", "patch"},
        (("serving.kserve.io",), ("inferenceservices",), isvcs): {"get", "patch"},
        (("apps",), ("deployments",), ()): {"get"},
        (("",), ("events",), ()): {"create"},
        (("coordination.k8s.io",), ("leases",), ()): {"create"},
        (("coordination.k8s.io",), ("leases",), ("callcenterai-rollout",)): {"get", "patch"},
    }
    binding = one(objs, "RoleBinding", "callcenterai-rollout")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "callcenterai-rollout", "namespace": "callcenterai"}
    ]
    assert (
        one(objs, "ServiceAccount", "callcenterai-rollout")["automountServiceAccountToken"] is False
    )


def test_operator_pod_wiring(tmp_path):
    objs = objects(tmp_path, {"rollout": {"enabled": True}})
    pod = one(objs, "Deployment", "callcenterai-rollout")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "callcenterai-rollout"
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", "rollout"]
    assert container["image"] == "callcenterai/rollout:0.1.0"
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/var/run/secrets/kubernetes.io/serviceaccount" in mounts  # the token, projected
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["CCAI_ROLLOUT_MLFLOW_TRACKING_URI"] == (
        "http://callcenterai-mlflow.callcenterai.svc.cluster.local:5000"
    )
    assert json.loads(env["CCAI_ROLLOUT_URI_MAP"]) == {
        "mlflow-artifacts:/": "s3://mlflow/artifacts/"
    }
    fields = {f"CCAI_ROLLOUT_{name.upper()}" for name in RolloutSettings.model_fields}
    assert {k for k in env if k.startswith("CCAI_ROLLOUT_")} <= fields  # no misspelt setting
    service = one(objs, "Service", "callcenterai-rollout")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    monitor = one(objs, "ServiceMonitor", "callcenterai-rollout")
    assert monitor["spec"]["endpoints"][0]["port"] == "http"


def test_one_model_rollout_per_predictor_with_overrides(tmp_path):
    objs = objects(
        tmp_path,
        {
            "rollout": {
                "enabled": True,
                "strategy": {"bakeSeconds": 120},
                "models": {
                    "svm": {"alias": "champion", "strategy": {"canaryTrafficPercent": 10}},
                    "transformer": {"enabled": False},
                },
            }
        },
    )
    (svm,) = [o for o in objs if o["kind"] == "ModelRollout"]
    spec = svm["spec"]
    assert (spec["model"], spec["alias"], spec["inferenceService"]) == (
        "callcenter-svm",
        "champion",
        "callcenter-svm",
    )
    assert spec["strategy"]["bakeSeconds"] == 120
    assert spec["strategy"]["canaryTrafficPercent"] == 10
    assert spec["strategy"]["maxLatencyMs"] == 250


def test_webhook_and_prometheus(tmp_path):
    values = {
        "rollout": {
            "enabled": True,
            "prometheusUrl": "http://prometheus.monitoring:9090",
            "webhook": {"enabled": True, "secret": "s3cret"},
        }
    }
    objs = objects(tmp_path, values)
    container = one(objs, "Deployment", "callcenterai-rollout")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["CCAI_ROLLOUT_WEBHOOK_URL"]["value"] == (
        "http://callcenterai-rollout.callcenterai.svc.cluster.local:8080/webhooks/mlflow"
    )
    assert env["CCAI_ROLLOUT_WEBHOOK_SECRET"]["valueFrom"]["secretKeyRef"] == {
        "name": "callcenterai-rollout",
        "key": "webhook-secret",
    }
    assert env["CCAI_ROLLOUT_PROMETHEUS_URL"]["value"] == "http://prometheus.monitoring:9090"
    assert one(objs, "Secret", "callcenterai-rollout")["stringData"]["webhook-secret"] == "s3cret"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"rollout": {"enabled": True, "webhook": {"enabled": True}}}))
    result = render.template([path], check=False)
    assert result.returncode != 0 and "rollout.webhook.secret" in result.stderr


def test_probes_may_reach_the_predictors_only_when_enabled(tmp_path):
    objs = objects(tmp_path, {"rollout": {"enabled": True}})
    probes = one(objs, "NetworkPolicy", "callcenterai-rollout-probes")
    assert probes["spec"]["podSelector"] == {"matchLabels": {"component": "predictor"}}
    peer = probes["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    assert peer["app.kubernetes.io/component"] == "rollout"
    objs = objects(tmp_path, {"rollout": {"enabled": True, "probes": {"enabled": False}}})
    names = {o["metadata"]["name"] for o in objs if o["kind"] == "NetworkPolicy"}
    assert "callcenterai-rollout-probes" not in names
    container = one(objs, "Deployment", "callcenterai-rollout")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["CCAI_ROLLOUT_PROBE_ENABLED"] == "false"
