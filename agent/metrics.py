"""The agent's Prometheus metrics. Labels are bounded enums; no ticket text or ids."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter(
    "callcenter_agent_requests_total",
    "API requests by endpoint and outcome (ok, invalid, unauthorized, unavailable).",
    ["endpoint", "outcome"],
)
REQUEST_LATENCY = Histogram(
    "callcenter_agent_request_seconds",
    "Whole request latency.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
TICKETS = Counter(
    "callcenter_agent_tickets_total",
    "Tickets classified, by route decision, answering model and whether it was a fallback.",
    ["decision", "model", "fallback"],
)
PII_LATENCY = Histogram(
    "callcenter_agent_pii_seconds", "PII scrubbing latency per ticket.", buckets=LATENCY_BUCKETS
)
PII_ENTITIES = Counter(
    "callcenter_agent_pii_entities_total", "Personal data replaced, by entity type.", ["type"]
)
PREDICTOR_LATENCY = Histogram(
    "callcenter_agent_predictor_seconds",
    "Predictor call latency as the agent sees it.",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
PREDICTOR_UP = Gauge(
    "callcenter_agent_predictor_up", "0 while the predictor's circuit breaker is open.", ["model"]
)
FALLBACKS = Counter(
    "callcenter_agent_fallbacks_total",
    "Tickets answered by the other model because the chosen one was unavailable.",
    ["unavailable_model"],
)
ESCALATIONS = Counter(
    "callcenter_agent_escalations_total", "SVM answers below the threshold sent to the transformer."
)
CONFIDENCE = Histogram(
    "callcenter_agent_confidence",
    "Confidence of the returned category, by answering model.",
    ["model"],
    buckets=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
CATEGORIES = Counter(
    "callcenter_agent_categories_total",
    "Returned categories (for drift against training mix).",
    ["category"],
)
SVM_THRESHOLD = Gauge(
    "callcenter_agent_svm_threshold", "SVM-confidence threshold below which tickets are escalated."
)
TRANSFORMER_BUDGET = Gauge(
    "callcenter_agent_transformer_budget",
    "Share of tickets the routing policy was calibrated to send to the transformer.",
)
BANDS = Counter(
    "callcenter_agent_bands_total",
    "Answers by trust band (auto, review), answering model and the band's reason "
    "(confident, low_confidence, unfamiliar, disagreement, uncalibrated).",
    ["band", "model", "reason"],
)
FAMILIARITY = Histogram(
    "callcenter_agent_familiarity",
    "How familiar answered tickets looked to the answering model (low: unlike its training).",
    ["model"],
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0),
)
STORE_WRITES = Counter(
    "callcenter_agent_store_writes_total",
    "Answers written to the review store, or dropped after a retry (the answer still went out).",
    ["outcome"],
)
FEEDBACK = Counter(
    "callcenter_agent_feedback_total",
    "Reviewer answers by the model and band of the answer reviewed and the verdict (confirmed: "
    "the reviewer agreed with the model; corrected: they did not).",
    ["model", "band", "verdict"],
)
REVIEW_QUEUE = Gauge(
    "callcenter_agent_review_queue",
    "Answers in the review band that wait for a person (updated on writes and reads).",
)
TRAFFIC_MIX = Gauge(
    "callcenter_agent_traffic_mix",
    "The desk's category mix estimated from reviewed answers (agent/traffic_mix.py); answers "
    "are moved onto it once enough are reviewed (callcenter_agent_traffic_mix_reviews).",
    ["category"],
)
TRAFFIC_MIX_REVIEWS = Gauge(
    "callcenter_agent_traffic_mix_reviews",
    "Review-band answers with a person's category that the traffic-mix estimate rests on.",
)
