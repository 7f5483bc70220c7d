"""Routing and band policies of the model versions that actually answer, from the MLflow registry.

The calibration stages store each version's policy as tags on that version: the escalation
threshold and the blend weight on the SVM version (`router.*`), the `auto`-band thresholds on
every version (contract.bands). During a rollout, under a canary or after a rollback the
version that answers is not always `production`, so the agent applies the tags of the version
named in each answer, cached per (model, version). An unknown version's tags are fetched in the
background; until they arrive the defaults apply and the rationale says so. Read over MLflow's
REST API, so the agent needs no MLflow client library.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace

import aiohttp

from agent.metrics import SVM_THRESHOLD, TRANSFORMER_BUDGET
from agent.settings import AgentSettings
from contract.bands import BandPolicy
from contract.prior import TAG_PRIOR, parse_prior
from contract.routing import Policy

log = logging.getLogger("agent.policy")
TAG = "router.svm_threshold"
BLEND_TAG = "router.blend_weight"
BLEND_NON_ENGLISH_TAG = "router.blend_weight_non_english"
_TIMEOUT = aiohttp.ClientTimeout(total=5)


async def _get(http: aiohttp.ClientSession, url: str, params: dict) -> dict | None:
    try:
        async with http.get(url, params=params, timeout=_TIMEOUT) as response:
            if response.status != 200:
                return None
            return json.loads(await response.read()).get("model_version", {})
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("registry unreachable at %s: %s", url, type(exc).__name__)
        return None


def _tags(version: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in version.get("tags", [])}


def _weight(tags: dict[str, str], tag: str, default: float | None) -> float | None:
    if tag not in tags:
        return default
    weight = float(tags[tag])
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"{tag}={weight} is outside [0, 1]")
    return weight


def _blend_weights(tags: dict[str, str]) -> dict[str, float | None]:
    """The SVM's share in the blend, on English and on other tickets: none (0) for versions
    calibrated before the blend existed, the English one on all tickets for versions
    calibrated before the two were told apart."""
    return {
        "blend_weight": _weight(tags, BLEND_TAG, 0.0),
        "blend_weight_non_english": _weight(tags, BLEND_NON_ENGLISH_TAG, None),
    }


class PolicySource:
    def __init__(self, settings: AgentSettings, http: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = http
        # The default policy decides what comes before any answer (long/complex tickets) and
        # stands in for a version whose tags are not known yet.
        self.policy = Policy(
            settings.svm_threshold, settings.long_words, settings.complexity_max, "default"
        )
        self._versions: dict[tuple[str, str], dict[str, str]] = {}
        self._priors: dict[tuple[str, str], dict[str, float] | None] = {}
        self._pending: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task] = set()  # held, so a running fetch is not collected
        SVM_THRESHOLD.set(self.policy.svm_threshold)
        TRANSFORMER_BUDGET.set(0.3)  # the calibration default until the registry says otherwise

    # -- per answering version -----------------------------------------------------------------
    def tags_for(self, model: str, version: str) -> dict[str, str] | None:
        """Cached tags of one version; an unseen one is fetched in the background."""
        key = (model, version)
        if key in self._versions:
            return self._versions[key]
        if self.settings.mlflow_tracking_uri and version and key not in self._pending:
            self._pending.add(key)
            task = asyncio.get_running_loop().create_task(self._fetch(model, version))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return None

    def routing(self, svm_model: str, svm_version: str) -> Policy:
        """The escalation threshold calibrated for the SVM version that answered."""
        tags = self.tags_for(svm_model, svm_version)
        if tags is None or TAG not in tags:
            return replace(
                self.policy,
                threshold_source=f"default (no calibrated threshold for {svm_model} "
                f"v{svm_version or '?'})",
            )
        try:
            return replace(
                self.policy,
                svm_threshold=float(tags[TAG]),
                threshold_source=f"calibrated for {svm_model} v{svm_version}",
                **_blend_weights(tags),
            )
        except ValueError:
            log.error("ignoring malformed router tags on %s v%s", svm_model, svm_version)
            return self.policy

    def band(self, model: str, version: str) -> BandPolicy | None:
        tags = self.tags_for(model, version)
        if tags is None:
            return None
        try:
            return BandPolicy.from_tags(tags, f"{model} v{version}")
        except ValueError:
            log.error("ignoring malformed band tags on %s v%s", model, version)
            return None

    def prior(self, model: str, version: str) -> dict[str, float] | None:
        """The class mix the version was fit on (contract.prior); none for versions registered
        before it was recorded, whose answers then stay as they are."""
        key = (model, version)
        if key in self._priors:  # parsed once per version: this runs for every answer
            return self._priors[key]
        tags = self.tags_for(model, version)
        if tags is None:  # not fetched yet: ask again on the next answer
            return None
        prior = None
        try:
            prior = parse_prior(tags[TAG_PRIOR]) if TAG_PRIOR in tags else None
        except ValueError:
            log.error("ignoring malformed %s on %s v%s", TAG_PRIOR, model, version)
        self._priors[key] = prior
        return prior

    async def _fetch(self, model: str, version: str) -> None:
        url = f"{self.settings.mlflow_tracking_uri.rstrip('/')}/api/2.0/mlflow/model-versions/get"
        try:
            found = await _get(self.http, url, {"name": model, "version": version})
            if found is not None:
                self._versions[(model, version)] = _tags(found)
                log.info("policy tags loaded for %s v%s", model, version)
        finally:
            self._pending.discard((model, version))

    # -- production, for what comes before an answer ------------------------------------------
    async def refresh(self) -> None:
        s = self.settings
        if not s.mlflow_tracking_uri:
            return
        url = f"{s.mlflow_tracking_uri.rstrip('/')}/api/2.0/mlflow/registered-models/alias"
        for model in (s.svm_model, s.transformer_model):
            found = await _get(self.http, url, {"name": model, "alias": "production"})
            if found is None:
                continue
            tags = _tags(found)
            key = (model, str(found.get("version")))
            self._versions[key] = tags
            self._priors.pop(key, None)  # re-read from the tags just fetched
            if model != s.svm_model or TAG not in tags:
                continue
            try:
                policy = Policy(
                    float(tags[TAG]),
                    int(tags.get("router.long_words", s.long_words)),
                    float(tags.get("router.complexity_max", s.complexity_max)),
                    f"calibrated for {model} v{found.get('version')}",
                    **_blend_weights(tags),
                )
                budget = float(tags.get("router.transformer_budget", 0.3))
            except ValueError as exc:  # a bad tag must not stop the agent
                log.error("ignoring malformed routing tags: %r", exc)
                continue
            if policy != self.policy:
                self.policy = policy
                SVM_THRESHOLD.set(policy.svm_threshold)
                TRANSFORMER_BUDGET.set(budget)
                log.info("routing policy: %s", policy)

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.settings.policy_refresh_s)
