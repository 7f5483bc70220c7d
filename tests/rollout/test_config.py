"""Settings (CCAI_ROLLOUT_*) and the ModelRollout spec as the operator reads them."""

from __future__ import annotations

import pytest

from rollout.model import RolloutSpec, SpecError, Strategy
from rollout.settings import RolloutSettings


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("CCAI_ROLLOUT_MLFLOW_TRACKING_URI", "http://mlflow:5000")
    monkeypatch.setenv("CCAI_ROLLOUT_URI_MAP", '{"mlflow-artifacts:/": "s3://mlflow/artifacts/"}')
    monkeypatch.setenv("CCAI_ROLLOUT_WATCH_NAMESPACES", "a, b")
    monkeypatch.setenv("CCAI_ROLLOUT_TICK_S", "2.5")
    s = RolloutSettings()
    assert s.mlflow_tracking_uri == "http://mlflow:5000"
    assert s.uri_map == {"mlflow-artifacts:/": "s3://mlflow/artifacts/"}
    assert s.namespaces == ["a", "b"] and s.tick_s == 2.5
    monkeypatch.setenv("CCAI_ROLLOUT_URI_MAP", "mlflow-artifacts:/=s3://m/, x:/=y:/")
    monkeypatch.delenv("CCAI_ROLLOUT_WATCH_NAMESPACES")
    monkeypatch.setenv("CCAI_ROLLOUT_NAMESPACE", "callcenterai")
    s = RolloutSettings()
    assert s.uri_map == {"mlflow-artifacts:/": "s3://m/", "x:/": "y:/"}
    assert s.namespaces == ["callcenterai"]


def test_default_prometheus_queries_are_templates():
    s = RolloutSettings()
    q = s.prometheus_latency_query.format(
        namespace="ns", predictor="svm-predictor", model="svm", isvc="svm", version="3", window=60
    )
    assert q == (
        "histogram_quantile(0.95, sum by (le) (increase(request_predict_seconds_bucket"
        '{namespace="ns",pod=~"svm-predictor-.*",model_name="svm"}[60s])))'
    )


def test_spec_defaults_and_values():
    spec = RolloutSpec.from_dict({"model": "callcenter-svm", "inferenceService": "callcenter-svm"})
    assert (spec.alias, spec.version, spec.strategy) == ("production", None, Strategy())
    assert spec.v2_name == "callcenter-svm" and spec.ref == "alias 'production'"
    spec = RolloutSpec.from_dict(
        {
            "model": "m",
            "inferenceService": "i",
            "version": "4",
            "servedModelName": "svm",
            "historyLimit": 3,
            "strategy": {"bakeSeconds": 60, "canaryTrafficPercent": 10, "revertAlias": False},
        }
    )
    assert spec.version == "4" and spec.ref == "version 4" and spec.v2_name == "svm"
    assert spec.strategy.bake_s == 60 and spec.strategy.canary_percent == 10
    assert spec.strategy.revert_alias is False and spec.history_limit == 3


@pytest.mark.parametrize(
    "bad",
    [{"model": "m"}, {"inferenceService": "i"}, {"model": "m", "inferenceService": "i",
                                                 "strategy": {"canaryTrafficPercent": 100}}],
)  # fmt: skip
def test_unusable_specs_are_refused(bad):
    with pytest.raises(SpecError):
        RolloutSpec.from_dict(bad)
