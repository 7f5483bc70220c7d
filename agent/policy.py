"""Keep the routing threshold in step with the production SVM in the MLflow registry.

The calibrate_router stage stores the threshold as tag `router.svm_threshold` on the SVM version
it was calibrated for; when the production alias moves, the threshold moves with it. Read over
MLflow's REST API, so the agent needs no MLflow client library.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp

from agent.metrics import SVM_THRESHOLD, TRANSFORMER_BUDGET
from agent.router import Policy
from agent.settings import AgentSettings

log = logging.getLogger("agent.policy")
TAG = "router.svm_threshold"


async def registry_policy(
    http: aiohttp.ClientSession, uri: str, model: str
) -> dict[str, str] | None:
    """Tags of the production SVM version, or None if unreachable or not calibrated."""
    url = f"{uri.rstrip('/')}/api/2.0/mlflow/registered-models/alias"
    try:
        async with http.get(
            url,
            params={"name": model, "alias": "production"},
            timeout=aiohttp.ClientTimeout(total=5),
        ) as response:
            if response.status != 200:
                return None
            body = json.loads(await response.read())
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("registry unreachable at %s: %s", uri, type(exc).__name__)
        return None
    version = body.get("model_version", {})
    tags = {t["key"]: t["value"] for t in version.get("tags", [])}
    if TAG not in tags:
        return None
    return {**tags, "source": f"calibrated for {model} v{version.get('version')}"}


class PolicySource:
    def __init__(self, settings: AgentSettings, http: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = http
        self.policy = Policy(
            settings.svm_threshold, settings.long_words, settings.complexity_max, "default"
        )
        SVM_THRESHOLD.set(self.policy.svm_threshold)
        TRANSFORMER_BUDGET.set(0.3)  # the calibration default until the registry says otherwise

    async def refresh(self) -> None:
        s = self.settings
        if not s.mlflow_tracking_uri:
            return
        try:
            tags = await registry_policy(self.http, s.mlflow_tracking_uri, s.svm_model)
            if not tags:
                return
            policy = Policy(
                float(tags[TAG]),
                int(tags.get("router.long_words", s.long_words)),
                s.complexity_max,
                tags["source"],
            )
        except (ValueError, KeyError) as exc:  # a bad tag must not stop the agent
            log.error("ignoring malformed routing tags: %r", exc)
            return
        if policy != self.policy:
            self.policy = policy
            SVM_THRESHOLD.set(policy.svm_threshold)
            TRANSFORMER_BUDGET.set(float(tags.get("router.transformer_budget", 0.3)))
            log.info("routing policy: %s", policy)

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.settings.policy_refresh_s)
