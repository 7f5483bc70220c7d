"""Is the version being baked healthy? Plain functions over numbers the operator collected.

Three sources, each turned into a `HealthSample` over the bake window so far:
- probes: v2 inference requests the operator sends to the predictor being judged (counted in the
  status, so they survive a restart);
- Prometheus, when configured: PromQL over `[window]` (stateless);
- else the predictor's own `/metrics`: KServe's `request_predict_seconds` histogram (and an error
  counter if the predictor exports one), as deltas from a baseline kept in the status.
Any source with enough observations that exceeds a limit is a breach.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from rollout.model import Strategy

SLOW_SHARE = 0.05  # p95 above the limit <=> more than 5 % of requests slower than the limit


@dataclass(frozen=True)
class HealthSample:
    source: str  # probe | prometheus | scrape
    requests: float  # observations in the bake window
    errors: float | None = None  # None: this source cannot count errors
    p95_s: float | None = None  # None: this source cannot tell latency (or too few requests)
    slow: float | None = None  # requests slower than the latency limit (probes)
    note: str = ""  # e.g. the last probe error


@dataclass(frozen=True)
class Verdict:
    breach: bool
    reason: str = ""  # ErrorRateExceeded | LatencyExceeded
    message: str = ""
    summary: str = ""


@dataclass(frozen=True)
class HealthReport:
    samples: tuple[HealthSample, ...]
    state: dict[str, Any]  # what to keep in status.health for the next tick


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    latency_s: float
    error: str = ""


def _fmt(sample: HealthSample) -> str:
    parts = [f"{sample.source} {int(sample.requests)} req"]
    if sample.errors is not None and sample.requests:
        parts.append(f"{100 * sample.errors / sample.requests:.1f}% errors")
    if sample.p95_s is not None:
        parts.append(f"p95 {1000 * sample.p95_s:.0f} ms")
    elif sample.slow is not None and sample.requests:
        parts.append(f"{100 * sample.slow / sample.requests:.0f}% slow")
    return ", ".join(parts)


def judge(samples: Iterable[HealthSample], strategy: Strategy) -> Verdict:
    """Breach when a source with at least `min_requests` observations exceeds a limit."""
    samples = list(samples)
    limit_s = strategy.max_latency_ms / 1000
    summary = "; ".join(_fmt(s) for s in samples) or "no observations yet"
    for s in samples:
        if s.requests < max(1, strategy.min_requests):
            continue
        if s.errors is not None:
            rate = s.errors / s.requests
            if rate > strategy.max_error_rate:
                note = f" (last error: {s.note})" if s.note else ""
                return Verdict(
                    True,
                    "ErrorRateExceeded",
                    f"error rate {100 * rate:.1f}% > {100 * strategy.max_error_rate:.1f}% "
                    f"over {int(s.requests)} requests ({s.source}){note}",
                    summary,
                )
        if s.p95_s is not None and s.p95_s > limit_s:
            return Verdict(
                True,
                "LatencyExceeded",
                f"p95 latency {1000 * s.p95_s:.0f} ms > {strategy.max_latency_ms:.0f} ms "
                f"over {int(s.requests)} requests ({s.source})",
                summary,
            )
        if s.slow is not None and s.slow / s.requests > SLOW_SHARE:
            return Verdict(
                True,
                "LatencyExceeded",
                f"{100 * s.slow / s.requests:.0f}% of {int(s.requests)} requests slower than "
                f"{strategy.max_latency_ms:.0f} ms, so p95 is above the limit ({s.source})",
                summary,
            )
    return Verdict(False, summary=summary)


# --- probes -----------------------------------------------------------------------------------


def add_probes(
    state: Mapping[str, Any] | None, results: Iterable[ProbeResult], limit_s: float
) -> dict[str, Any]:
    """Probe counters so far (a dict kept in status.health.probe)."""
    out = {"requests": 0, "errors": 0, "slow": 0, "lastError": ""}
    out.update(dict(state or {}))
    for r in results:
        out["requests"] += 1
        if not r.ok:
            out["errors"] += 1
            out["lastError"] = r.error[:200]
        elif r.latency_s > limit_s:
            out["slow"] += 1
    return out


def probe_sample(state: Mapping[str, Any]) -> HealthSample:
    return HealthSample(
        "probe",
        requests=state.get("requests", 0),
        errors=state.get("errors", 0),
        slow=state.get("slow", 0),
        note=state.get("lastError", ""),
    )


# --- the predictor's /metrics -----------------------------------------------------------------


def snapshot(text: str, latency_metric: str, errors_metric: str, model: str) -> dict[str, Any]:
    """Cumulative counts for one model from Prometheus text: histogram buckets, count, errors."""
    buckets: dict[str, float] = {}
    count = 0.0
    errors: float | None = None
    error_names = {errors_metric, errors_metric.removesuffix("_total")}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("model_name", model) != model:
                continue
            if sample.name == f"{latency_metric}_bucket":
                le = sample.labels["le"]
                buckets[le] = buckets.get(le, 0.0) + sample.value
            elif sample.name == f"{latency_metric}_count":
                count += sample.value
            elif sample.name in error_names or family.name in error_names:
                if sample.name.endswith(("_created",)):
                    continue
                errors = (errors or 0.0) + sample.value
    return {"count": count, "errors": errors, "buckets": buckets}


def histogram_quantile(q: float, buckets: Mapping[str, float]) -> float | None:
    """Prometheus' histogram_quantile over cumulative bucket counts keyed by `le`."""
    points = sorted((float(le), c) for le, c in buckets.items())
    if not points or points[-1][1] <= 0:
        return None
    total = points[-1][1]
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for bound, count in points:
        if count >= rank:
            if math.isinf(bound):
                return prev_bound  # the highest finite bound, as Prometheus does
            if count == prev_count:
                return bound
            return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = bound, count
    return points[-1][0]


def scrape_sample(
    baseline: Mapping[str, Any] | None, current: Mapping[str, Any]
) -> tuple[HealthSample, dict[str, Any]]:
    """The sample since `baseline` and the baseline to keep (reset when a counter went back)."""
    if baseline is None or current["count"] < baseline.get("count", 0):
        # First look, or the predictor restarted (counters reset): start the window here.
        return HealthSample("scrape", requests=0), dict(current)
    requests = current["count"] - baseline["count"]
    errors = None
    if current.get("errors") is not None:
        errors = max(0.0, current["errors"] - (baseline.get("errors") or 0.0))
    delta = {
        le: max(0.0, c - baseline.get("buckets", {}).get(le, 0.0))
        for le, c in current["buckets"].items()
    }
    p95 = histogram_quantile(0.95, delta) if requests > 0 else None
    return HealthSample("scrape", requests=requests, errors=errors, p95_s=p95), dict(baseline)


def prometheus_sample(
    requests: float | None, errors: float | None, p95_s: float | None
) -> HealthSample:
    p95 = None if p95_s is None or math.isnan(p95_s) else p95_s
    return HealthSample("prometheus", requests=requests or 0.0, errors=errors, p95_s=p95)
