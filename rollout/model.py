"""The ModelRollout resource as Python values: its spec (read) and its status (read and written).

The status is the operator's whole memory: every decision is a function of the status and of
what the registry, the InferenceService and the metrics say now, so a restarted operator carries on
from the status alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Phases.
IDLE = "Idle"
PROGRESSING = "Progressing"
BAKING = "Baking"
SUCCEEDED = "Succeeded"
ROLLED_BACK = "RolledBack"
FAILED = "Failed"
IN_PROGRESS = (PROGRESSING, BAKING)
PHASES = (IDLE, PROGRESSING, BAKING, SUCCEEDED, ROLLED_BACK, FAILED)


class SpecError(ValueError):
    """The ModelRollout's spec cannot be used (the CRD schema should have refused it)."""


@dataclass(frozen=True)
class Strategy:
    readiness_timeout_s: float = 600.0
    bake_s: float = 300.0
    max_error_rate: float = 0.05  # errors / requests, 0.05 = 5 %
    max_latency_ms: float = 500.0  # p95
    min_requests: int = 10  # fewer observations than this do not judge a limit
    canary_percent: int = 0  # 0: replace in place; 1-99: KServe spec.canary with this share
    revert_alias: bool = True  # after a rollback, point the alias back at the serving version


@dataclass(frozen=True)
class RolloutSpec:
    model: str
    inference_service: str
    alias: str = "production"
    version: str | None = None  # a pinned version instead of the alias
    served_model_name: str | None = None  # model name in the v2 paths; default `model`
    suspend: bool = False
    history_limit: int = 10
    strategy: Strategy = field(default_factory=Strategy)

    @property
    def ref(self) -> str:
        return f"version {self.version}" if self.version else f"alias '{self.alias}'"

    @property
    def v2_name(self) -> str:
        return self.served_model_name or self.model

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> RolloutSpec:
        model = spec.get("model")
        isvc = spec.get("inferenceService")
        if not model or not isvc:
            raise SpecError("spec.model and spec.inferenceService are required")
        s = spec.get("strategy") or {}
        defaults = Strategy()
        canary = int(s.get("canaryTrafficPercent", 0) or 0)
        if not 0 <= canary < 100:
            raise SpecError("spec.strategy.canaryTrafficPercent must be within 0-99")
        strategy = Strategy(
            readiness_timeout_s=float(
                s.get("readinessTimeoutSeconds", defaults.readiness_timeout_s)
            ),
            bake_s=float(s.get("bakeSeconds", defaults.bake_s)),
            max_error_rate=float(s.get("maxErrorRate", defaults.max_error_rate)),
            max_latency_ms=float(s.get("maxLatencyMs", defaults.max_latency_ms)),
            min_requests=int(s.get("minRequests", defaults.min_requests)),
            canary_percent=canary,
            revert_alias=bool(s.get("revertAlias", defaults.revert_alias)),
        )
        version = spec.get("version")
        return cls(
            model=str(model),
            inference_service=str(isvc),
            alias=str(spec.get("alias") or "production"),
            version=str(version) if version not in (None, "") else None,
            served_model_name=spec.get("servedModelName") or None,
            suspend=bool(spec.get("suspend", False)),
            history_limit=max(1, int(spec.get("historyLimit", 10))),
            strategy=strategy,
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass
class RolloutStatus:
    phase: str = ""  # "" until the first reconciliation
    reason: str = ""
    message: str = ""
    current_version: str | None = None  # known good, what the InferenceService serves at rest
    current_uri: str | None = None
    previous_version: str | None = None  # the known-good version before the current one
    previous_uri: str | None = None
    target_version: str | None = None  # being rolled out (Progressing, Baking)
    target_uri: str | None = None
    canary_name: str | None = None  # KServe spec.canary entry of the target, canary mode only
    desired_version: str | None = None  # what the alias (or pin) points at, last time it was read
    failed_version: str | None = None  # not retried while the alias still points at it
    phase_since: str | None = None
    rollout_started_at: str | None = None
    bake_started_at: str | None = None
    health: dict[str, Any] | None = None  # bake observations (probe counts, scrape baseline)
    history: list[dict[str, Any]] = field(default_factory=list)  # newest first
    conditions: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None  # spec.model and spec.inferenceService the versions above refer to
    inference_service: str | None = None
    observed_generation: int | None = None
    revision: int = 0  # incremented on every write: lets the operator spot a stale read

    @classmethod
    def from_dict(cls, status: Mapping[str, Any] | None) -> RolloutStatus:
        status = status or {}
        values = {}
        for f in dataclasses.fields(cls):
            key = _camel(f.name)
            if key in status and status[key] is not None:
                values[f.name] = status[key]
        out = cls(**values)
        out.history = [dict(h) for h in out.history]
        out.conditions = [dict(c) for c in out.conditions]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Every field, None included: as a merge patch, None removes what is no longer true."""
        return {_camel(f.name): getattr(self, f.name) for f in dataclasses.fields(self)}

    def copy(self) -> RolloutStatus:
        return RolloutStatus.from_dict(self.to_dict())

    def condition(self, type_: str) -> dict[str, Any] | None:
        return next((c for c in self.conditions if c.get("type") == type_), None)


def ts(when: datetime) -> str:
    """RFC 3339 in UTC with milliseconds (the CRD's date-time format)."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def seconds_since(value: str | None, now: datetime) -> float:
    start = parse_ts(value)
    return 0.0 if start is None else (now - start).total_seconds()
