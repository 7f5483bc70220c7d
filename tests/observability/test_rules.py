"""Alert rules checked by the real `promtool`: syntax, then each alert fires and stays quiet.

Each case feeds synthetic series to `promtool test rules`; the expected alert carries the rule's
own labels and annotations (read from the rules file, so the test follows their wording).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # promtool runs every alert's unit tests: about 20 s

RULES = ROOT / "charts" / "callcenterai" / "rules" / "callcenterai.yaml"
A = "callcenter_agent_"
SHARE = 'callcenter_predictor_training_share{model_name="callcenter-svm",category='
ROLLOUTS = 'callcenter_rollout_rollouts_total{model="callcenter-svm",result='
TR = f'{A}tickets_total{{decision="transformer",model="transformer",fallback="false"}}'

# alert -> (interval, eval_time, series that fire it, series that keep it quiet, alert labels)
FEEDBACK = 'callcenter_agent_feedback_total{band="auto",model="callcenter-svm",'
CASES = {
    "CallCenterAgentErrorRatioHigh": (
        "1m",
        "20m",
        {
            f'{A}requests_total{{endpoint="/v1/classify",outcome="ok"}}': "0+90x30",
            f'{A}requests_total{{endpoint="/v1/classify",outcome="unavailable"}}': "0+10x30",
        },
        {
            f'{A}requests_total{{endpoint="/v1/classify",outcome="ok"}}': "0+99x30",
            f'{A}requests_total{{endpoint="/v1/classify",outcome="unavailable"}}': "0+1x30",
        },
        {},
    ),
    "CallCenterPredictorNotReady": (
        "1m",
        "5m",
        {
            f'{A}predictor_up{{model="transformer"}}': "0x10",
            f'{A}predictor_up{{model="svm"}}': "1x10",
        },
        {
            f'{A}predictor_up{{model="transformer"}}': "1x10",
            f'{A}predictor_up{{model="svm"}}': "1x10",
        },
        {"model": "transformer"},
    ),
    "CallCenterFallbackRateHigh": (
        "1m",
        "25m",
        {
            f'{A}fallbacks_total{{unavailable_model="transformer"}}': "0+20x30",
            f'{A}tickets_total{{decision="transformer",model="svm",fallback="true"}}': "0+100x30",
        },
        {
            f'{A}fallbacks_total{{unavailable_model="transformer"}}': "0+1x30",
            f'{A}tickets_total{{decision="transformer",model="svm",fallback="true"}}': "0+100x30",
        },
        {},
    ),
    "CallCenterAgentLatencyP99High": (
        "1m",
        "20m",
        {
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="0.1"}}': "0+50x30",
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="0.5"}}': "0+60x30",
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="1"}}': "0+100x30",
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="+Inf"}}': "0+100x30",
        },
        {
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="0.1"}}': "0+100x30",
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="0.5"}}': "0+100x30",
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="1"}}': "0+100x30",
            f'{A}request_seconds_bucket{{endpoint="/v1/classify",le="+Inf"}}': "0+100x30",
        },
        {},
    ),
    "CallCenterTransformerShareOffBudget": (
        "1m",
        "70m",
        {
            TR: "0+60x80",
            f'{A}tickets_total{{decision="svm",model="svm",fallback="false"}}': "0+40x80",
            f"{A}transformer_budget": "0.3x80",
        },
        {
            TR: "0+25x80",
            f'{A}tickets_total{{decision="svm",model="svm",fallback="false"}}': "0+75x80",
            f"{A}transformer_budget": "0.3x80",
        },
        {},
    ),
    "CallCenterConfidenceDrop": (
        "10m",
        "2000m",
        {
            f'{A}confidence_count{{model="svm"}}': "0+100x200",
            f'{A}confidence_sum{{model="svm"}}': "0+90x180 16250+50x19",
        },
        {
            f'{A}confidence_count{{model="svm"}}': "0+100x200",
            f'{A}confidence_sum{{model="svm"}}': "0+90x200",
        },
        {},
    ),
    "CallCenterUnfamiliarTicketsJump": (
        "10m",
        "2000m",
        {
            f'{A}bands_total{{band="auto",model="svm",reason="confident"}}': "0+95x200",
            f'{A}bands_total{{band="review",model="svm",reason="unfamiliar"}}': (
                "0+5x180 900+50x19"
            ),
        },
        {
            f'{A}bands_total{{band="auto",model="svm",reason="confident"}}': "0+95x200",
            f'{A}bands_total{{band="review",model="svm",reason="unfamiliar"}}': "0+5x200",
        },
        {},
    ),
    "CallCenterAutoBandAgreementLow": (
        "10m",
        "1500m",
        {
            FEEDBACK + 'verdict="confirmed"}': "0+8x200",
            FEEDBACK + 'verdict="corrected"}': "0+2x200",
        },
        {
            FEEDBACK + 'verdict="confirmed"}': "0+19x200",
            FEEDBACK + 'verdict="corrected"}': "0+1x200",
        },
        {},
    ),
    "CallCenterPredictorErrors": (
        "1m",
        "20m",
        {
            'request_predict_seconds_count{model_name="callcenter-svm"}': "0+100x30",
            'callcenter_predictor_errors_total{model_name="callcenter-svm",reason="scoring"}': (
                "0+5x30"
            ),
        },
        {
            'request_predict_seconds_count{model_name="callcenter-svm"}': "0+100x30",
            'callcenter_predictor_errors_total{model_name="callcenter-svm",reason="scoring"}': (
                "0x30"
            ),
        },
        {"model_name": "callcenter-svm"},
    ),
    "CallCenterStoreWritesDropped": (
        "1m",
        "30m",
        {f'{A}store_writes_total{{outcome="dropped"}}': "0+3x40"},
        {f'{A}store_writes_total{{outcome="dropped"}}': "0x40"},
        {},
    ),
    "CallCenterCategoryMixDrift": (
        "1m",
        "130m",
        {
            f'{A}categories_total{{category="Hardware"}}': "0+90x140",
            f'{A}categories_total{{category="Access"}}': "0+10x140",
            f'{SHARE}"Hardware"}}': "0.3x140",
            f'{SHARE}"Access"}}': "0.7x140",
        },
        {
            f'{A}categories_total{{category="Hardware"}}': "0+30x140",
            f'{A}categories_total{{category="Access"}}': "0+70x140",
            f'{SHARE}"Hardware"}}': "0.3x140",
            f'{SHARE}"Access"}}': "0.7x140",
        },
        {},
    ),
    "CallCenterRolloutRolledBack": (
        "1m",
        "6m",
        {f'{ROLLOUTS}"RolledBack"}}': "0 0 0 1 1 1 1"},
        {f'{ROLLOUTS}"Succeeded"}}': "0 0 0 1 1 1 1"},
        {"model": "callcenter-svm"},
    ),
}


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: install Debian's prometheus package (.ci/run does)")
    return path


def rules() -> dict[str, dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


def render(text: str, labels: dict[str, str]) -> str:
    return re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", lambda m: labels[m.group(1)], text)


def test_rules_parse():
    result = subprocess.run(
        [promtool(), "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_runbook_and_a_case():
    found = rules()
    assert set(found) == set(CASES)
    for name, rule in found.items():
        assert rule["annotations"].get("runbook"), name
        assert rule["labels"].get("severity") in {"critical", "warning", "info"}, name


def test_each_alert_fires_and_stays_quiet(tmp_path):
    found = rules()
    tests = []
    for name, (interval, at, firing, quiet, extra_labels) in CASES.items():
        rule = found[name]
        labels = {**rule["labels"], **extra_labels}
        annotations = {k: render(v, labels) for k, v in rule["annotations"].items()}
        for series, expected in (
            (firing, [{"exp_labels": labels, "exp_annotations": annotations}]),
            (quiet, []),
        ):
            tests.append(
                {
                    "interval": interval,
                    "input_series": [{"series": s, "values": v} for s, v in series.items()],
                    "alert_rule_test": [
                        {"eval_time": at, "alertname": name, "exp_alerts": expected}
                    ],
                }
            )
    spec = tmp_path / "rules_test.yaml"
    spec.write_text(
        yaml.safe_dump({"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": tests})
    )
    result = subprocess.run(
        [promtool(), "test", "rules", str(spec)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") >= 1
