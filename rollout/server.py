"""The operator's own HTTP port: `/metrics` (Prometheus) and `/webhooks/mlflow` (alias events).

An MLflow webhook is only a hint: it makes the operator re-read the registry now instead of at the
next poll. Nothing in its payload is trusted beyond the model name, so a forged event costs one
registry read. With a secret configured, events must carry MLflow's HMAC signature
(`X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "delivery_id.timestamp.payload">`) and be recent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger("rollout.server")
MAX_SKEW_S = 300


def sign(secret: str, delivery_id: str, timestamp: str, payload: str) -> str:
    digest = hmac.new(
        secret.encode(), f"{delivery_id}.{timestamp}.{payload}".encode(), hashlib.sha256
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str,
    delivery_id: str,
    timestamp: str,
    payload: str,
    signature: str,
    now: float | None = None,
) -> bool:
    try:
        skew = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    if skew > MAX_SKEW_S:
        return False
    expected = sign(secret, delivery_id, timestamp, payload)
    return any(hmac.compare_digest(expected, s.strip()) for s in signature.split(" ") if s)


def build_app(
    registry: CollectorRegistry,
    secret: str | None,
    on_alias_event: Callable[[str], None],
) -> web.Application:
    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def mlflow_webhook(request: web.Request) -> web.Response:
        payload = await request.text()
        if secret:
            ok = verify(
                secret,
                request.headers.get("X-MLflow-Delivery-Id", ""),
                request.headers.get("X-MLflow-Timestamp", ""),
                payload,
                request.headers.get("X-MLflow-Signature", ""),
            )
            if not ok:
                return web.json_response({"error": "bad or missing signature"}, status=401)
        try:
            event = json.loads(payload)
            entity = event.get("entity", "")
            name = (event.get("data") or {}).get("name")
        except (ValueError, AttributeError):
            return web.json_response({"error": "not an MLflow webhook payload"}, status=400)
        if entity.startswith("model_version_alias") and isinstance(name, str):
            log.info("MLflow %s.%s for %s", entity, event.get("action"), name)
            on_alias_event(name)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=1 << 20)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/webhooks/mlflow", mlflow_webhook)
    return app
