"""Health judgement over probes, Prometheus and the predictor's own /metrics."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from rollout.health import (
    HealthSample,
    ProbeResult,
    add_probes,
    histogram_quantile,
    judge,
    probe_sample,
    prometheus_sample,
    scrape_sample,
    snapshot,
)
from rollout.model import Strategy

STRATEGY = Strategy(max_error_rate=0.05, max_latency_ms=500, min_requests=10)


def test_judge_error_rate_needs_enough_requests():
    assert not judge([HealthSample("probe", 9, errors=9)], STRATEGY).breach
    verdict = judge([HealthSample("probe", 10, errors=1, note="HTTP 500")], STRATEGY)
    assert verdict.breach and verdict.reason == "ErrorRateExceeded"
    assert "10.0% > 5.0% over 10 requests (probe) (last error: HTTP 500)" in verdict.message
    assert not judge([HealthSample("probe", 100, errors=5)], STRATEGY).breach  # 5 % is allowed


def test_judge_latency_from_p95_or_from_slow_share():
    verdict = judge([HealthSample("prometheus", 200, errors=None, p95_s=0.51)], STRATEGY)
    assert verdict.breach and verdict.reason == "LatencyExceeded"
    assert not judge([HealthSample("prometheus", 200, p95_s=0.5)], STRATEGY).breach
    assert judge([HealthSample("probe", 20, errors=0, slow=2)], STRATEGY).breach  # 10 % slow
    assert not judge([HealthSample("probe", 20, errors=0, slow=1)], STRATEGY).breach  # 5 %


def test_judge_any_source_breaching_is_a_breach_and_the_summary_names_them_all():
    samples = [
        HealthSample("probe", 30, errors=0, slow=0),
        HealthSample("scrape", 400, errors=None, p95_s=0.9),
    ]
    verdict = judge(samples, STRATEGY)
    assert verdict.breach and "(scrape)" in verdict.message
    assert verdict.summary == "probe 30 req, 0.0% errors, 0% slow; scrape 400 req, p95 900 ms"
    assert judge([], STRATEGY).summary == "no observations yet"


def test_probe_counters_accumulate():
    state = add_probes(None, [ProbeResult(True, 0.01), ProbeResult(False, 0.02, "HTTP 503")], 0.5)
    state = add_probes(state, [ProbeResult(True, 0.9)], 0.5)
    assert state == {"requests": 3, "errors": 1, "slow": 1, "lastError": "HTTP 503"}
    sample = probe_sample(state)
    assert (sample.requests, sample.errors, sample.slow, sample.note) == (3, 1, 1, "HTTP 503")


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.5, 0.0625), (0.95, 0.25), (0.99, 0.5), (0.97, 0.375)],
)
def test_histogram_quantile_matches_prometheus(q, expected):
    # 100 observations: 40 <= 0.05, 40 in (0.05, 0.1], 15 in (0.1, 0.25], 4 in (0.25, 0.5], 1 > 0.5
    buckets = {"0.05": 40, "0.1": 80, "0.25": 95, "0.5": 99, "+Inf": 100}
    assert histogram_quantile(q, buckets) == pytest.approx(expected)


def test_histogram_quantile_edge_cases():
    assert histogram_quantile(0.95, {}) is None
    assert histogram_quantile(0.95, {"0.1": 0, "+Inf": 0}) is None
    assert histogram_quantile(0.95, {"0.1": 0, "+Inf": 5}) == 0.1  # all above the last bound


def exposition(observations: list[float], errors: int, other_model: int = 0) -> str:
    """Text as a predictor serves it: KServe's histogram (+ an error counter)."""
    registry = CollectorRegistry()
    hist = Histogram(
        "request_predict_seconds", "predict latency", ["model_name"], registry=registry
    )
    errs = Counter("callcenter_predictor_errors", "errors", ["model_name"], registry=registry)
    for value in observations:
        hist.labels("callcenter-svm").observe(value)
    for _ in range(other_model):
        hist.labels("other").observe(9.0)
    errs.labels("callcenter-svm").inc(errors)
    return generate_latest(registry).decode()


def test_snapshot_reads_one_models_histogram_and_errors():
    text = exposition([0.01] * 8 + [0.3] * 2, errors=3, other_model=5)
    snap = snapshot(
        text, "request_predict_seconds", "callcenter_predictor_errors_total", "callcenter-svm"
    )
    assert snap["count"] == 10 and snap["errors"] == 3
    assert snap["buckets"]["+Inf"] == 10 and snap["buckets"]["0.01"] == 8
    none = snapshot(text, "request_predict_seconds", "absent_total", "callcenter-svm")
    assert none["errors"] is None  # no such counter: errors are not judged from metrics


def test_scrape_sample_is_the_delta_since_the_baseline_and_survives_a_restart():
    metric, errors = "request_predict_seconds", "callcenter_predictor_errors_total"
    first = snapshot(exposition([0.01] * 10, 1), metric, errors, "callcenter-svm")
    sample, baseline = scrape_sample(None, first)
    assert sample.requests == 0 and baseline == first  # the window starts here
    later = snapshot(exposition([0.01] * 10 + [0.4] * 20, 4), metric, errors, "callcenter-svm")
    sample, kept = scrape_sample(baseline, later)
    assert kept == baseline
    assert (sample.requests, sample.errors) == (20, 3)
    assert 0.25 < sample.p95_s <= 0.5
    restarted = snapshot(exposition([0.01] * 3, 0), metric, errors, "callcenter-svm")
    sample, reset = scrape_sample(baseline, restarted)  # counters went back: new window
    assert sample.requests == 0 and reset == restarted


def test_prometheus_sample_treats_nan_as_unknown():
    sample = prometheus_sample(120.0, None, float("nan"))
    assert (sample.requests, sample.errors, sample.p95_s) == (120.0, None, None)
