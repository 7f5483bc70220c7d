"""A small async Kubernetes API client (aiohttp) for what the operator touches besides its own
watch: InferenceServices, predictor Deployments, its status subresource, Events and its Lease.

Credentials come from the same place as kopf's (`kopf.login_via_client`: in-cluster service
account, else kubeconfig), or from `CCAI_ROLLOUT_KUBE_SERVER` for a local API (tests, dev).
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import kopf

from rollout import GROUP, KIND, PLURAL, VERSION
from rollout.settings import RolloutSettings

log = logging.getLogger("rollout.kube")
MERGE = "application/merge-patch+json"


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message or ""


def login(
    settings: RolloutSettings, kopf_settings: kopf.OperatorSettings, logger: Any = log
) -> kopf.ConnectionInfo:
    if settings.kube_server:
        return kopf.ConnectionInfo(
            server=settings.kube_server, insecure=True, default_namespace=settings.namespace
        )
    info = kopf.login_via_client(logger=logger, settings=kopf_settings)
    if info is None:
        raise kopf.LoginError("no Kubernetes credentials (in-cluster or kubeconfig)")
    return info


def _ssl(info: kopf.ConnectionInfo) -> ssl.SSLContext | bool:
    if not info.server.startswith("https"):
        return False
    if info.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        cadata = info.ca_data.decode() if isinstance(info.ca_data, bytes) else info.ca_data
        ctx = ssl.create_default_context(cafile=info.ca_path, cadata=cadata)
    if info.certificate_path and info.private_key_path:
        ctx.load_cert_chain(info.certificate_path, info.private_key_path)
    return ctx


class Kube:
    def __init__(
        self, relogin: Callable[[], kopf.ConnectionInfo], session: aiohttp.ClientSession
    ) -> None:
        self._relogin = relogin
        self.session = session
        self._connect(relogin())

    def _connect(self, info: kopf.ConnectionInfo) -> None:
        self.server = info.server.rstrip("/")
        self.ssl = _ssl(info)
        self.headers: dict[str, str] = {}
        self.auth = None
        if info.token:
            self.headers["Authorization"] = f"{info.scheme or 'Bearer'} {info.token}"
        elif info.username:
            self.auth = aiohttp.BasicAuth(info.username, info.password or "")

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        retry_auth: bool = True,
    ) -> tuple[int, Any]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
        async with self.session.request(
            method,
            self.server + path,
            json=body,
            headers=headers,
            auth=self.auth,
            ssl=self.ssl,
            timeout=aiohttp.ClientTimeout(total=30),
        ) as resp:
            try:
                data = await resp.json(content_type=None)
            except ValueError:
                data = None
            status = resp.status
        if status == 401 and retry_auth:  # rotated token: log in again, once
            self._connect(self._relogin())
            return await self.request(method, path, body, content_type, retry_auth=False)
        return status, data

    async def get(self, path: str) -> dict[str, Any] | None:
        status, data = await self.request("GET", path)
        if status == 404:
            return None
        if status >= 400:
            raise ApiError(status, data)
        return data

    async def patch(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, data = await self.request("PATCH", path, body, MERGE)
        if status >= 400:
            raise ApiError(status, data)
        return data

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, data = await self.request("POST", path, body)
        if status >= 400:
            raise ApiError(status, data)
        return data

    # -- paths ---------------------------------------------------------------------------------

    @staticmethod
    def isvc_path(namespace: str, name: str) -> str:
        return f"/apis/serving.kserve.io/v1beta1/namespaces/{namespace}/inferenceservices/{name}"

    @staticmethod
    def deployment_path(namespace: str, name: str) -> str:
        return f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"

    @staticmethod
    def rollout_path(namespace: str, name: str) -> str:
        return f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{PLURAL}/{name}"

    @staticmethod
    def lease_path(namespace: str, name: str | None = None) -> str:
        base = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        return f"{base}/{name}" if name else base

    async def get_deployment(self, namespace: str, name: str) -> dict[str, Any] | None:
        """None when it does not exist or cannot be read (then KServe's status is used alone)."""
        try:
            return await self.get(self.deployment_path(namespace, name))
        except ApiError as exc:
            if exc.status == 403:
                return None
            raise

    async def patch_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        await self.patch(self.rollout_path(namespace, name) + "/status", {"status": status})

    async def post_event(
        self,
        body: dict[str, Any],
        type_: str,
        reason: str,
        message: str,
        component: str,
        instance: str,
    ) -> None:
        meta = body.get("metadata") or {}
        namespace, name = meta.get("namespace", "default"), meta.get("name", "")
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{name}.{int(now * 1e9):x}", "namespace": namespace},
            "involvedObject": {
                "apiVersion": f"{GROUP}/{VERSION}",
                "kind": KIND,
                "name": name,
                "namespace": namespace,
                "uid": meta.get("uid"),
            },
            "type": type_,
            "reason": reason,
            "message": message[:1024],
            "source": {"component": component},
            "reportingComponent": component,
            "reportingInstance": instance[:128],
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        try:
            await self.create(f"/api/v1/namespaces/{namespace}/events", event)
        except (ApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("event %s/%s not posted: %s", reason, name, exc)
