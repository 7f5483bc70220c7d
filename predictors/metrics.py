"""Prometheus metrics beyond KServe's own request histograms (same registry, same /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PREDICTIONS = Counter(
    "callcenter_predictor_predictions_total",
    "Tickets classified, by predicted category.",
    ["model_name", "label"],
)
CONFIDENCE = Histogram(
    "callcenter_predictor_confidence",
    "Probability of the predicted category.",
    ["model_name"],
    buckets=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
FAMILIARITY = Histogram(
    "callcenter_predictor_familiarity",
    "How familiar tickets look to the model (contract.familiarity): low means unlike training.",
    ["model_name"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0),
)
BATCH_SIZE = Histogram(
    "callcenter_predictor_batch_size",
    "Texts per model call after micro-batching.",
    ["model_name"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
MODEL_INFO = Gauge(
    "callcenter_predictor_model_info",
    "1 for the model version this server answers with.",
    ["model_name", "version", "kind"],
)
INVALID_REQUESTS = Counter(
    "callcenter_predictor_invalid_requests_total",
    "Requests refused with a 4xx (the caller's fault: not counted as errors).",
    ["model_name"],
)
# What the rollout operator's bake judges (CCAI_ROLLOUT_ERRORS_METRIC): requests that failed for
# real users because of the version being served, not because of what they sent.
ERRORS = Counter(
    "callcenter_predictor_errors_total",
    "Requests that failed on the server side, by reason (scoring: the model raised; "
    "response: its output could not be turned into an answer).",
    ["model_name", "reason"],
)
TRAINING_SHARE = Gauge(
    "callcenter_predictor_training_share",
    "Share of each category in the model's training data (the drift baseline).",
    ["model_name", "category"],
)
