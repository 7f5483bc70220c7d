"""The MLflow model registry, over its REST API (async, bounded timeouts, no retry storms).

`resolve()` answers "what does the alias point at, and can it be served": the version, its
artifact location (rewritten by `uri_map` into a storageUri), and whether its folder holds an
`MLmodel` file. Results are cached for `registry_poll_s`; an MLflow webhook invalidates the cache.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from rollout.decide import (
    ALIAS_NOT_SET,
    ARTIFACT_CHECK_FAILED,
    ARTIFACTS_MISSING,
    REGISTRY_UNAVAILABLE,
    VERSION_NOT_FOUND,
    RegistryView,
)
from rollout.model import RolloutSpec
from rollout.settings import RolloutSettings

log = logging.getLogger("rollout.registry")
WEBHOOK_NAME = "callcenterai-rollout"
WEBHOOK_EVENTS = ["model_version_alias.created", "model_version_alias.deleted"]


class RegistryError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    @property
    def not_found(self) -> bool:
        return self.status == 404 or self.code == "RESOURCE_DOES_NOT_EXIST"


def map_uri(uri: str, uri_map: dict[str, str]) -> str:
    """Rewrite the longest matching prefix (e.g. mlflow-artifacts:/ -> s3://bucket/)."""
    for prefix in sorted(uri_map, key=len, reverse=True):
        if uri.startswith(prefix):
            return uri_map[prefix] + uri[len(prefix) :]
    return uri


def mlflow_artifacts_path(uri: str) -> str | None:
    """`mlflow-artifacts:/1/a/model` (or `mlflow-artifacts://host:port/1/a/model`): `1/a/model`."""
    if not uri.startswith("mlflow-artifacts:"):
        return None
    rest = uri[len("mlflow-artifacts:") :]
    if rest.startswith("//"):
        rest = rest[2:].split("/", 1)[1] if "/" in rest[2:] else ""
    return rest.strip("/")


class Registry:
    def __init__(self, settings: RolloutSettings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.session = session
        self.base = settings.mlflow_tracking_uri.rstrip("/")
        self._cache: dict[tuple[str, str], tuple[float, RegistryView]] = {}
        self.headers: dict[str, str] = {}
        self.auth = None
        if settings.mlflow_token:
            self.headers["Authorization"] = f"Bearer {settings.mlflow_token}"
        elif settings.mlflow_username:
            self.auth = aiohttp.BasicAuth(settings.mlflow_username, settings.mlflow_password or "")

    # -- REST ----------------------------------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return await self._call_once(method, path, **kwargs)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            # A pooled keep-alive connection the server had closed: every call here is
            # idempotent (reads, set alias, set tag), so one retry on a fresh connection is safe.
            return await self._call_once(method, path, **kwargs)

    async def _call_once(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=self.settings.registry_timeout_s)
        async with self.session.request(
            method,
            self.base + path,
            headers=self.headers,
            auth=self.auth,
            timeout=timeout,
            **kwargs,
        ) as resp:
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                body = {}
            if resp.status >= 400:
                body = body if isinstance(body, dict) else {}
                raise RegistryError(
                    resp.status, body.get("error_code", ""), body.get("message", resp.reason or "")
                )
            return body if isinstance(body, dict) else {}

    async def _version(self, spec: RolloutSpec) -> dict[str, Any]:
        if spec.version:
            body = await self._call(
                "GET",
                "/api/2.0/mlflow/model-versions/get",
                params={"name": spec.model, "version": spec.version},
            )
        else:
            body = await self._call(
                "GET",
                "/api/2.0/mlflow/registered-models/alias",
                params={"name": spec.model, "alias": spec.alias},
            )
        return body.get("model_version") or {}

    async def _artifacts_ok(self, uri: str) -> tuple[bool | None, str]:
        """(True: MLmodel found, False: missing, None: could not check) and a detail."""
        path = mlflow_artifacts_path(uri)
        if path is not None:
            body = await self._call(
                "GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": path}
            )
            names = {f.get("path", "").rsplit("/", 1)[-1] for f in body.get("files") or []}
            return "MLmodel" in names, f"{uri} holds {len(names)} entries"
        try:
            import mlflow.artifacts  # mlflow-skinny: other schemes (s3://, gs://...)

            files = await asyncio.to_thread(mlflow.artifacts.list_artifacts, artifact_uri=uri)
        except ImportError as exc:  # no client library for that scheme: cannot tell
            return None, f"cannot list {uri}: {exc}"
        names = {f.path.rsplit("/", 1)[-1] for f in files or []}
        return "MLmodel" in names, f"{uri} holds {len(names)} entries"

    async def _resolve(self, spec: RolloutSpec) -> RegistryView:
        try:
            mv = await self._version(spec)
        except RegistryError as exc:
            if exc.not_found or "not found" in exc.message.lower():
                if spec.version:
                    return RegistryView(
                        spec.version,
                        problem=VERSION_NOT_FOUND,
                        detail=f"{spec.model} has no version {spec.version}",
                    )
                return RegistryView(
                    None,
                    problem=ALIAS_NOT_SET,
                    detail=f"{spec.model} has no alias '{spec.alias}'",
                )
            return RegistryView(None, problem=REGISTRY_UNAVAILABLE, detail=str(exc))
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RegistryView(
                None, problem=REGISTRY_UNAVAILABLE, detail=f"{type(exc).__name__}: {exc}"
            )

        version = str(mv.get("version"))
        state = mv.get("status", "READY")
        if state == "FAILED_REGISTRATION":
            return RegistryView(
                version,
                problem=VERSION_NOT_FOUND,
                detail=f"{spec.model} v{version}: registration failed "
                f"({mv.get('status_message') or 'no message'})",
            )
        if state == "PENDING_REGISTRATION":
            return RegistryView(
                version,
                problem=ARTIFACT_CHECK_FAILED,
                detail=f"{spec.model} v{version}: registration still pending",
            )
        try:
            body = await self._call(
                "GET",
                "/api/2.0/mlflow/model-versions/get-download-uri",
                params={"name": spec.model, "version": version},
            )
            source = body.get("artifact_uri") or mv.get("source") or ""
            if not source:
                return RegistryView(
                    version,
                    problem=ARTIFACTS_MISSING,
                    detail=f"{spec.model} v{version} has no artifact location",
                )
            if self.settings.verify_artifacts:
                ok, detail = await self._artifacts_ok(source)
                if ok is False:
                    return RegistryView(
                        version,
                        problem=ARTIFACTS_MISSING,
                        detail=f"{spec.model} v{version}: no MLmodel under {source} ({detail})",
                    )
                if ok is None:
                    log.warning("%s v%s: artifacts not verified: %s", spec.model, version, detail)
        except RegistryError as exc:
            if exc.not_found:
                return RegistryView(
                    version,
                    problem=ARTIFACTS_MISSING,
                    detail=f"{spec.model} v{version}: artifacts not found ({exc.message})",
                )
            return RegistryView(version, problem=ARTIFACT_CHECK_FAILED, detail=str(exc))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return RegistryView(
                version,
                problem=ARTIFACT_CHECK_FAILED,
                detail=f"{spec.model} v{version}: cannot check artifacts: {exc}",
            )
        except Exception as exc:  # a storage client error (credentials, bucket): retry later
            return RegistryView(
                version,
                problem=ARTIFACT_CHECK_FAILED,
                detail=f"{spec.model} v{version}: cannot check artifacts: {exc!r}",
            )
        return RegistryView(version, uri=map_uri(source, self.settings.uri_map))

    async def resolve(self, spec: RolloutSpec) -> RegistryView:
        key = (spec.model, spec.version or f"@{spec.alias}")
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        view = await self._resolve(spec)
        ttl = self.settings.registry_poll_s if not view.transient else self.settings.tick_s
        self._cache[key] = (now + ttl, view)
        return view

    def invalidate(self, model: str | None = None) -> None:
        for key in list(self._cache):
            if model is None or key[0] == model:
                del self._cache[key]

    async def set_alias(self, model: str, alias: str, version: str) -> None:
        await self._call(
            "POST",
            "/api/2.0/mlflow/registered-models/alias",
            json={"name": model, "alias": alias, "version": version},
        )
        self.invalidate(model)

    async def set_tags(self, model: str, version: str, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            await self._call(
                "POST",
                "/api/2.0/mlflow/model-versions/set-tag",
                json={"name": model, "version": version, "key": key, "value": value[:5000]},
            )


def ensure_webhook(settings: RolloutSettings) -> str:
    """Create or update the MLflow webhook that points alias events at this operator (sync)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    existing = [w for w in client.list_webhooks() if w.name == WEBHOOK_NAME]
    if existing:
        hook = client.update_webhook(
            existing[0].webhook_id,
            url=settings.webhook_url,
            events=WEBHOOK_EVENTS,
            secret=settings.webhook_secret,
            status="ACTIVE",
        )
    else:
        hook = client.create_webhook(
            name=WEBHOOK_NAME,
            url=settings.webhook_url,
            events=WEBHOOK_EVENTS,
            description="CallCenterAI rollout operator: alias moves",
            secret=settings.webhook_secret,
        )
    return hook.webhook_id
