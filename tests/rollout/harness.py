"""Stand-ins the integration tests run the real operator against.

- The Kubernetes API is EMULATED by `kmock` (in-memory, on loopback): no admission, no schema
  checks, no garbage collection, no real KServe. `FakeKServe` plays KServe's controller in
  RawDeployment mode on top of it: it keeps a predictor Deployment per InferenceService and writes
  the status KServe would (Ready stays True while old pods serve; the Deployment's rollout tells
  whether the new model is up).
- `FakePredictor` answers v2 inference and /metrics like a predictor would.
- MLflow is REAL (the session `mlflow_server` fixture): versions are registered with a tiny
  `MLmodel` file, no training.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web
from mlflow import MlflowClient

from rollout import VERSION_KEY
from rollout.kserve import predictor_service, stable_uri

log = logging.getLogger("tests.rollout")
NS = "ccai"
RES_ROLLOUT = "callcenterai.io/v1alpha1/modelrollouts"
RES_ISVC = "serving.kserve.io/v1beta1/inferenceservices"
RES_DEPLOY = "apps/v1/deployments"
RES_EVENT = "v1/events"
RES_LEASE = "coordination.k8s.io/v1/leases"


def declare_resources(kmock: Any) -> None:
    """What a cluster with the CRDs installed would report in API discovery."""
    verbs = {"get", "list", "watch", "create", "update", "patch", "delete"}
    kmock.resources["v1/namespaces"] = kmock.ResourceInfo(kind="Namespace", namespaced=False)
    kmock.resources[RES_ROLLOUT] = kmock.ResourceInfo(
        kind="ModelRollout",
        singular="modelrollout",
        namespaced=True,
        verbs=verbs,
        subresources={"status"},
        shortnames={"mro"},
    )
    kmock.resources[RES_ISVC] = kmock.ResourceInfo(
        kind="InferenceService", namespaced=True, verbs=verbs, subresources={"status"}
    )
    kmock.resources[RES_DEPLOY] = kmock.ResourceInfo(
        kind="Deployment", namespaced=True, verbs=verbs, subresources={"status"}
    )
    kmock.resources[RES_EVENT] = kmock.ResourceInfo(kind="Event", namespaced=True, verbs=verbs)
    kmock.resources[RES_LEASE] = kmock.ResourceInfo(kind="Lease", namespaced=True, verbs=verbs)


async def wait_for(
    what: str, check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def obj(kmock: Any, resource: str, name: str) -> dict[str, Any] | None:
    try:
        found = kmock.objects[resource, NS, name]
    except KeyError:
        return None
    return None if found.deleted else found.raw


def isvc_manifest(name: str, uri: str, version: str | None = None) -> dict[str, Any]:
    annotations = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    labels = {}
    if version:
        annotations[VERSION_KEY] = version
        labels[VERSION_KEY] = version
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "namespace": NS,
            "annotations": annotations,
            "labels": labels,
            "generation": 1,
        },
        "spec": {
            "predictor": {
                "minReplicas": 1,
                "labels": dict(labels),
                "model": {
                    "modelFormat": {"name": "callcenter-svm"},
                    "runtime": "callcenter-svm",
                    "storageUri": uri,
                    "env": [{"name": "CCAI_PREDICTOR_MODEL_NAME", "value": "callcenter-svm"}],
                },
            }
        },
    }


def rollout_manifest(name: str, model: str, isvc: str, **strategy: Any) -> dict[str, Any]:
    return {
        "apiVersion": "callcenterai.io/v1alpha1",
        "kind": "ModelRollout",
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": str(uuid.uuid4()),
            "generation": 1,
            "resourceVersion": "1",
        },
        "spec": {
            "model": model,
            "alias": "production",
            "inferenceService": isvc,
            "strategy": {
                "readinessTimeoutSeconds": 5,
                "bakeSeconds": 1,
                "maxErrorRate": 0.2,
                "maxLatencyMs": 1000,
                "minRequests": 3,
                **strategy,
            },
        },
    }


class Api:
    """A plain HTTP client to the emulated API, as kubectl would be."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.session = aiohttp.ClientSession()

    async def create(self, resource: str, body: dict[str, Any]) -> None:
        group_version, plural = resource.rsplit("/", 1)
        prefix = "/api" if group_version == "v1" else "/apis"
        path = f"{prefix}/{group_version}/namespaces/{NS}/{plural}"
        async with self.session.post(self.url + path, json=body) as resp:
            assert resp.status < 400, await resp.text()

    async def patch(self, resource: str, name: str, body: dict[str, Any], sub: str = "") -> None:
        group_version, plural = resource.rsplit("/", 1)
        prefix = "/api" if group_version == "v1" else "/apis"
        path = f"{prefix}/{group_version}/namespaces/{NS}/{plural}/{name}{sub}"
        headers = {"Content-Type": "application/merge-patch+json"}
        async with self.session.patch(self.url + path, json=body, headers=headers) as resp:
            assert resp.status < 400, await resp.text()

    async def close(self) -> None:
        await self.session.close()


class FakeKServe:
    """KServe's controller in RawDeployment mode, reduced to what the operator looks at.

    `behaviour[uri]`: "ok" (the new pods become available after `delay`), "never" (they never
    do: the Deployment's rollout stays incomplete, while the InferenceService stays Ready on the
    old pods, as KServe reports it), "fail" (KServe reports a failed model load). `hold` keeps an
    "ok" URI not ready until released (to stop the operator mid-rollout).
    """

    def __init__(self, kmock: Any, api: Api, delay: float = 0.3) -> None:
        self.kmock, self.api, self.delay = kmock, api, delay
        self.behaviour: dict[str, str] = {}
        self.hold: set[str] = set()
        self.serving: dict[str, str | None] = {}  # deployment -> version its pods serve
        self._changed: dict[str, tuple[str, float, int]] = {}  # deployment -> (uri, since, gen)
        self._task: asyncio.Task | None = None

    def start(self) -> FakeKServe:
        self._task = asyncio.create_task(self._loop())
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            for key in list(self.kmock.objects):
                resource, _, name = key
                if resource == RES_ISVC and not self.kmock.objects[key].deleted:
                    try:
                        await self._reconcile(name, self.kmock.objects[key].raw)
                    except Exception:  # keep playing KServe; the test will tell what is wrong
                        log.exception("fake KServe: %s", name)
            await asyncio.sleep(0.05)

    def _progress(self, dep: str, uri: str) -> tuple[bool, str, int]:
        """(rolled out?, behaviour, generation) for the Deployment `dep` now templating `uri`."""
        old = self._changed.get(dep)
        if old is None or old[0] != uri:
            gen = (old[2] + 1) if old else 1
            self._changed[dep] = (uri, time.monotonic(), gen)
        _, since, gen = self._changed[dep]
        behaviour = self.behaviour.get(uri, "ok")
        done = behaviour == "ok" and uri not in self.hold and time.monotonic() - since >= self.delay
        return done, behaviour, gen

    def _deployment(self, dep: str, version: str | None, done: bool, gen: int) -> dict:
        status = (
            {"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "readyReplicas": 1}
            if done
            else {"replicas": 2, "updatedReplicas": 1, "availableReplicas": 1, "readyReplicas": 1}
        )
        status["observedGeneration"] = gen
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": dep, "namespace": NS, "generation": gen},
            "spec": {
                "replicas": 1,
                "template": {"metadata": {"labels": {VERSION_KEY: version} if version else {}}},
            },
            "status": status,
        }

    async def _put(self, resource: str, body: dict) -> None:
        name = body["metadata"]["name"]
        if obj(self.kmock, resource, name) is None:
            await self.api.create(resource, body)
        elif obj(self.kmock, resource, name) != body:
            await self.api.patch(resource, name, body)

    async def _reconcile(self, name: str, isvc: dict) -> None:
        predictor = isvc["spec"]["predictor"]
        uri = stable_uri(isvc)
        version = (predictor.get("labels") or {}).get(VERSION_KEY)
        dep = predictor_service(name, predictor.get("name"))
        done, behaviour, gen = self._progress(dep, uri)
        await self._put(RES_DEPLOY, self._deployment(dep, version, done, gen))
        if done:
            self.serving[dep] = version
        status: dict[str, Any] = {
            "observedGeneration": (isvc["metadata"] or {}).get("generation", 1),
            "deploymentMode": "RawDeployment",
            # Raw mode: Ready follows the Deployment's Available, True while old pods serve.
            "conditions": [
                {"type": "PredictorReady", "status": "True"},
                {"type": "Ready", "status": "True"},
            ],
            "modelStatus": {"transitionStatus": "UpToDate"},
        }
        if behaviour == "fail":
            status["modelStatus"] = {
                "transitionStatus": "BlockedByFailedLoad",
                "lastFailureInfo": {"reason": "ModelLoadFailed", "message": "MLmodel unreadable"},
            }
        canaries = []
        for entry in isvc["spec"].get("canary") or []:
            cpred = entry["predictor"]
            cdep = predictor_service(name, cpred["name"])
            curi = (cpred.get("model") or {}).get("storageUri")
            cversion = (cpred.get("labels") or {}).get(VERSION_KEY)
            cdone, _, cgen = self._progress(cdep, curi)
            await self._put(RES_DEPLOY, self._deployment(cdep, cversion, cdone, cgen))
            if cdone:
                self.serving[cdep] = cversion
            canaries.append(
                {"name": cpred["name"], "ready": cdone, "trafficPercent": entry["trafficPercent"]}
            )
        if canaries:
            status["canaryStatuses"] = canaries
        current = (isvc.get("status") or {}).copy()
        if any(current.get(k) != v for k, v in status.items()) or (
            not canaries and current.get("canaryStatuses")
        ):
            if not canaries:
                status["canaryStatuses"] = None
            await self.api.patch(RES_ISVC, name, {"status": status}, "/status")


class FakePredictor:
    """v2 inference + /metrics under `/{deployment}/`, answering with the version that
    Deployment's pods serve (as the fake KServe tracks it)."""

    def __init__(self, version_of: Callable[[str], str | None]) -> None:
        self.version_of = version_of
        self.error = False
        self.latency_s = 0.0
        # Real users' traffic, as the predictor's own /metrics would show it: every scrape
        # adds `traffic` requests of which this share failed (predictors/metrics.py ERRORS).
        self.traffic = 0
        self.traffic_error_share = 0.0
        self._served = 0
        self._failed = 0
        self.requests = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int) -> FakePredictor:
        async def infer(request: web.Request) -> web.Response:
            self.requests += 1
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            if self.error:
                return web.json_response({"error": "model exploded"}, status=500)
            return web.json_response(
                {
                    "model_name": request.match_info["model"],
                    "model_version": self.version_of(request.match_info["deployment"]),
                    "outputs": [
                        {"name": "label", "datatype": "BYTES", "shape": [1], "data": ["x"]}
                    ],
                }
            )

        async def metrics(_: web.Request) -> web.Response:
            if not self.traffic:
                return web.Response(text="")
            self._served += self.traffic
            self._failed += round(self.traffic * self.traffic_error_share)
            # No model_name label: one model per fake deployment, which the operator accepts.
            text = (
                "# TYPE request_predict_seconds histogram\n"
                f'request_predict_seconds_bucket{{le="0.01"}} {self._served}\n'
                f'request_predict_seconds_bucket{{le="+Inf"}} {self._served}\n'
                f"request_predict_seconds_count {self._served}\n"
                f"request_predict_seconds_sum {self._served * 0.002}\n"
                "# TYPE callcenter_predictor_errors_total counter\n"
                f'callcenter_predictor_errors_total{{reason="scoring"}} {self._failed}\n'
            )
            return web.Response(text=text)

        app = web.Application()
        app.router.add_post("/{deployment}/v2/models/{model}/infer", infer)
        app.router.add_get("/{deployment}/metrics", metrics)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


class Registered:
    """A registered model of its own in the shared MLflow server, versions with tiny artifacts."""

    def __init__(self, tracking_uri: str, prefix: str = "rollout-it") -> None:
        self.client = MlflowClient(tracking_uri=tracking_uri)
        self.name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.client.create_registered_model(self.name)
        self.experiment = self.client.create_experiment(self.name)

    def add_version(self, with_artifacts: bool = True) -> tuple[str, str]:
        """(version, source); without artifacts the source folder stays empty."""
        run = self.client.create_run(self.experiment)
        if with_artifacts:
            self.client.log_text(run.info.run_id, "flavors: {}\n", "model/MLmodel")
        source = f"{run.info.artifact_uri}/model"
        self.client.set_terminated(run.info.run_id)
        mv = self.client.create_model_version(self.name, source, run.info.run_id)
        return str(mv.version), source

    def point(self, version: str, alias: str = "production") -> None:
        self.client.set_registered_model_alias(self.name, alias, version)

    def alias(self, alias: str = "production") -> str | None:
        try:
            return str(self.client.get_model_version_by_alias(self.name, alias).version)
        except Exception:
            return None
