"""Grafana dashboards as code: `python -m observability.dashboards` writes them as JSON.

Output goes to charts/callcenterai/dashboards/, which the chart turns into ConfigMaps for the
kube-prometheus-stack Grafana sidecar and which local/grafana/ provisions for a local Grafana:
one source. Every panel's PromQL is run against a real Prometheus by tests/e2e.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "charts" / "callcenterai" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def q(expr: str, legend: str = "") -> dict:
    return {"expr": expr, "legendFormat": legend, "datasource": DATASOURCE}


def quantiles(metric: str, by: str = "", window: str = "5m") -> list[dict]:
    group = f"le, {by}" if by else "le"
    suffix = f" {{{{{by}}}}}" if by else ""
    return [
        q(
            f"histogram_quantile({p}, sum by ({group}) (rate({metric}_bucket[{window}])))",
            f"p{int(p * 100)}{suffix}",
        )
        for p in (0.5, 0.95, 0.99)
    ]


def panel(title: str, targets: list[dict], unit: str = "short", kind: str = "timeseries") -> dict:
    return {
        "type": kind,
        "title": title,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
    }


def dashboard(uid: str, title: str, panels: list[dict]) -> dict:
    for i, p in enumerate(panels):
        p["id"] = i + 1
        p["gridPos"] = {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)}
        for j, t in enumerate(p["targets"]):
            t["refId"] = chr(ord("A") + j)
    return {
        "uid": uid,
        "title": title,
        "tags": ["callcenterai"],
        "timezone": "browser",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Data source",
                }
            ]
        },
        "panels": panels,
    }


AGENT = "callcenter_agent_"
CATEGORY_SHARE = (
    f"sum by (category) (rate({AGENT}categories_total[15m]))"
    f" / ignoring(category) group_left sum(rate({AGENT}categories_total[15m]))"
)


def overview() -> dict:
    return dashboard(
        "callcenterai-overview",
        "CallCenterAI / Overview",
        [
            panel(
                "Agent requests by outcome",
                [q(f"sum by (outcome) (rate({AGENT}requests_total[5m]))", "{{outcome}}")],
                "reqps",
            ),
            panel(
                "Agent error ratio (4xx + 503)",
                [
                    q(
                        f'sum(rate({AGENT}requests_total{{outcome!="ok"}}[5m]))'
                        f" / sum(rate({AGENT}requests_total[5m]))",
                        "errors",
                    )
                ],
                "percentunit",
            ),
            panel("Agent latency", quantiles(f"{AGENT}request_seconds"), "s"),
            panel(
                "Predictor latency (KServe)",
                quantiles("request_predict_seconds", "model_name"),
                "s",
            ),
            panel(
                "Predictor server-side errors (what the rollout bake judges)",
                [
                    q(
                        "sum by (model_name, reason) (rate(callcenter_predictor_errors_total[5m]))",
                        "{{model_name}} {{reason}}",
                    ),
                ],
                "reqps",
            ),
            panel(
                "Predictor call latency seen by the agent",
                quantiles(f"{AGENT}predictor_seconds", "model"),
                "s",
            ),
            panel(
                "Tickets by answering model (route split)",
                [q(f"sum by (model) (rate({AGENT}tickets_total[5m]))", "{{model}}")],
                "reqps",
            ),
            panel(
                "Route decisions",
                [q(f"sum by (decision) (rate({AGENT}tickets_total[5m]))", "{{decision}}")],
                "reqps",
            ),
            panel(
                "Transformer share vs calibrated budget",
                [
                    q(
                        f'sum(rate({AGENT}tickets_total{{model="transformer"}}[15m]))'
                        f" / sum(rate({AGENT}tickets_total[15m]))",
                        "share",
                    ),
                    q(f"max({AGENT}transformer_budget)", "budget"),
                ],
                "percentunit",
            ),
            panel(
                "Fallbacks (model unavailable)",
                [
                    q(
                        f"sum by (unavailable_model) (rate({AGENT}fallbacks_total[5m]))",
                        "{{unavailable_model}} down",
                    )
                ],
                "reqps",
            ),
            panel(
                "Escalations (SVM unsure)",
                [q(f"sum(rate({AGENT}escalations_total[5m]))", "escalations")],
                "reqps",
            ),
            panel(
                "Predictors reachable (circuit closed)",
                [q(f"max by (model) ({AGENT}predictor_up)", "{{model}}")],
            ),
            panel("PII scrubbing latency", quantiles(f"{AGENT}pii_seconds"), "s"),
        ],
    )


def model_quality() -> dict:
    return dashboard(
        "callcenterai-model-quality",
        "CallCenterAI / Model quality",
        [
            panel(
                "Mean confidence by model",
                [
                    q(
                        f"sum by (model) (rate({AGENT}confidence_sum[15m]))"
                        f" / sum by (model) (rate({AGENT}confidence_count[15m]))",
                        "{{model}}",
                    )
                ],
                "percentunit",
            ),
            panel(
                "Confidence quantiles by model",
                quantiles(f"{AGENT}confidence", "model", "15m"),
                "percentunit",
            ),
            panel(
                "Out-of-distribution share (answers unlike the model's training tickets)",
                [
                    q(
                        # `or ... * 0`: 0 rather than no data while nothing is unfamiliar
                        f'(sum by (model) (rate({AGENT}bands_total{{reason="unfamiliar"}}[15m]))'
                        f" or sum by (model) (rate({AGENT}bands_total[15m])) * 0)"
                        f" / sum by (model) (rate({AGENT}bands_total[15m]))",
                        "{{model}}",
                    )
                ],
                "percentunit",
            ),
            panel(
                "Answers by band (auto: routed, review: a person looks)",
                [
                    q(
                        f"sum by (band, reason) (rate({AGENT}bands_total[15m]))",
                        "{{band}} {{reason}}",
                    )
                ],
                "ops",
            ),
            panel(
                "Familiarity quantiles by model",
                quantiles(f"{AGENT}familiarity", "model", "15m"),
                "percentunit",
            ),
            panel(
                "Reviewer agreement with the model, by band (1d)",
                [
                    q(
                        f"sum by (band) (increase({AGENT}feedback_total"
                        '{verdict="confirmed"}[1d]))'
                        f" / sum by (band) (increase({AGENT}feedback_total[1d]))",
                        "{{band}}",
                    )
                ],
                "percentunit",
            ),
            panel(
                "Review queue and store writes",
                [
                    q(f"{AGENT}review_queue", "waiting for a person"),
                    q(
                        f"sum by (outcome) (rate({AGENT}store_writes_total[15m]))",
                        "writes {{outcome}}",
                    ),
                ],
            ),
            panel("Predicted category mix", [q(CATEGORY_SHARE, "{{category}}")], "percentunit"),
            panel(
                "Training category mix (drift baseline)",
                [q("max by (category) (callcenter_predictor_training_share)", "{{category}}")],
                "percentunit",
            ),
            panel(
                "Category drift (predicted - training share)",
                [
                    q(
                        f"{CATEGORY_SHARE}"
                        " - on(category) max by (category) (callcenter_predictor_training_share)",
                        "{{category}}",
                    )
                ],
                "percentunit",
            ),
            panel(
                "Desk category mix (from reviewed answers; answers move onto it once in use)",
                [
                    q(f"max by (category) ({AGENT}traffic_mix)", "{{category}}"),
                    q(f"max({AGENT}traffic_mix_reviews)", "reviewed answers behind it"),
                ],
                "percentunit",
            ),
            panel(
                "PII entities replaced by type",
                [q(f"sum by (type) (rate({AGENT}pii_entities_total[15m]))", "{{type}}")],
                "ops",
            ),
            panel(
                "Predictions by label (predictors)",
                [
                    q(
                        "sum by (model_name, label)"
                        " (rate(callcenter_predictor_predictions_total[15m]))",
                        "{{model_name}} {{label}}",
                    )
                ],
                "ops",
            ),
            panel(
                "Micro-batch size",
                quantiles("callcenter_predictor_batch_size", "model_name"),
                "short",
            ),
            panel(
                "Invalid requests",
                [
                    q(
                        f"sum by (endpoint)"
                        f' (rate({AGENT}requests_total{{outcome="invalid"}}[15m]))',
                        "{{endpoint}}",
                    )
                ],
                "reqps",
            ),
            panel(
                "SVM escalation threshold",
                [q(f"max({AGENT}svm_threshold)", "threshold")],
                "percentunit",
                "stat",
            ),
        ],
    )


def rollout() -> dict:
    return dashboard(
        "callcenterai-rollout",
        "CallCenterAI / Rollouts",
        [
            panel(
                "Serving version per model",
                [
                    q(
                        "max by (model_name, version) (callcenter_predictor_model_info)",
                        "{{model_name}} v{{version}}",
                    )
                ],
                kind="table",
            ),
            panel(
                "Rollouts by result (24 h)",
                [
                    q(
                        "sum by (result) (increase(callcenter_rollout_rollouts_total[1d]))"
                        " or on() vector(0)",
                        "{{result}}",
                    )
                ],
            ),
            panel(
                "Rollout phase",
                [
                    q(
                        "max by (model, phase) (callcenter_rollout_phase) or on() vector(0)",
                        "{{model}} {{phase}}",
                    )
                ],
            ),
            panel(
                "Model versions seen by the agent",
                [q(f"count by (model) ({AGENT}tickets_total)", "{{model}}")],
            ),
        ],
    )


DASHBOARDS = {"overview": overview, "model-quality": model_quality, "rollout": rollout}


def render() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(build(), indent=2) + "\n" for name, build in DASHBOARDS.items()
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (OUT / name).write_text(text)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
