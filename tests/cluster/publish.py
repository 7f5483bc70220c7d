"""`make kind-models`: serve the locally trained models from the kind cluster.

Port-forwards the chart's MLflow, registers `models/svm` and `models/transformer` there with the
pipeline's own code (pipelines.register: one run per model, a registry version, the quality gate),
unless the registry already has a `production` version, and writes a values file with each
model's `storageUri` in the chart's S3 store and its registry version. `make deploy` then passes
that file to helm, and KServe's storage initializer fetches the models.

MLflow proxies artifacts (`--artifacts-destination s3://<bucket>/<prefix>`), so a version whose
source is `mlflow-artifacts:/<path>` lives at `s3://<bucket>/<prefix>/<path>`: the rollout
operator does the same translation for later versions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from tests.cluster.kube import ROOT, Cluster

KINDS = ("svm", "transformer")


def storage_uri(source: str, destination: str) -> str:
    """Where KServe's storage initializer finds a registered version's files."""
    if source.startswith("mlflow-artifacts:"):
        path = source.removeprefix("mlflow-artifacts:").lstrip("/")
        return f"{destination.rstrip('/')}/{path}"
    if source.startswith(("s3://", "gs://", "https://", "pvc://")):
        return source
    raise ValueError(f"cannot map model source {source!r} to a storageUri")


def chart_values(helm: str, context: str, namespace: str, release: str) -> dict:
    cmd = [helm, "--kube-context", context, "get", "values", release]
    cmd += ["--namespace", namespace, "--all", "--output", "json"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def artifacts_destination(values: dict) -> str:
    mlflow, store = values["mlflow"], values["objectStore"]
    if mlflow.get("artifactsDestination"):
        return mlflow["artifactsDestination"]
    return f"s3://{store['bucket']}/{store['prefix'].strip('/')}".rstrip("/")


def wait_healthy(uri: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{uri}/health", timeout=5).close()  # nosec B310: loopback
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def publish(values: dict, tracking_uri: str) -> dict:
    """Register (if needed) and return {kind: (registry name, version, source)}."""
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from pipelines.params import PipelineSettings, load_params
    from pipelines.promote import PRODUCTION, promote
    from pipelines.register import log_and_register, router_tags

    settings = PipelineSettings()
    params = load_params(settings.params_file)
    client = MlflowClient()
    names = {"svm": params.registry.svm_name, "transformer": params.registry.transformer_name}
    published = {}
    for kind in KINDS:
        name, isvc = names[kind], values["predictors"][kind]["name"]
        if name != isvc:
            print(f"warning: registry name {name} differs from the InferenceService name {isvc}")
        try:
            version = client.get_model_version_by_alias(name, PRODUCTION)
            print(f"{name}: production is v{version.version} already")
        except MlflowException:
            model_dir = settings.models_dir / kind
            if not (model_dir / "MLmodel").is_file():
                sys.exit(f"{model_dir}: no trained model; run `make train` first")
            tags = router_tags(settings.metrics_dir) if kind == "svm" else None
            reports, splits = settings.metrics_dir, settings.splits_dir
            number = log_and_register(client, kind, name, model_dir, reports, splits, params, tags)
            decision = promote(client, name, number, params.registry)
            print(f"{name}: registered v{number}; {decision.reason}")
            version = client.get_model_version_by_alias(name, PRODUCTION)
        published[kind] = (name, version.version, version.source)
    return published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubectl", default=str(ROOT / ".tools" / "kubectl"))
    parser.add_argument("--helm", default=str(ROOT / ".tools" / "helm"))
    parser.add_argument("--context", default="kind-callcenterai")
    parser.add_argument("--namespace", default="callcenterai")
    parser.add_argument("--release", default="callcenterai")
    parser.add_argument("--out", type=Path, default=ROOT / ".run" / "kind" / "models-values.yaml")
    args = parser.parse_args()

    values = chart_values(args.helm, args.context, args.namespace, args.release)
    if not values["mlflow"]["enabled"]:
        sys.exit("the release runs no MLflow (mlflow.enabled=false): nothing to publish to")
    cluster = Cluster(args.kubectl, args.context, args.namespace)
    selector = f"app.kubernetes.io/instance={args.release},app.kubernetes.io/component=mlflow"
    service = cluster.service_name(selector)
    with cluster.port_forward(service, values["mlflow"]["port"]) as uri:
        wait_healthy(uri)
        published = publish(values, uri)
    destination = artifacts_destination(values)
    out = {"predictors": {}}
    for kind, (name, version, source) in published.items():
        uri = storage_uri(source, destination)
        print(f"{name} v{version}: {uri}")
        out["predictors"][kind] = {
            "storageUri": uri,
            "env": {"CCAI_PREDICTOR_MODEL_VERSION": str(version)},
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `make kind-models` (tests/cluster/publish.py); used by `make deploy`.\n"
    args.out.write_text(header + yaml.safe_dump(out, sort_keys=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
