"""Operator configuration from `CCAI_ROLLOUT_*` environment variables (same names in the chart)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_LATENCY_QUERY = (
    "histogram_quantile(0.95, sum by (le) (increase(request_predict_seconds_bucket"
    '{{namespace="{namespace}",pod=~"{predictor}-.*",model_name="{model}"}}[{window}s])))'
)
DEFAULT_REQUESTS_QUERY = (
    "sum(increase(request_predict_seconds_count"
    '{{namespace="{namespace}",pod=~"{predictor}-.*",model_name="{model}"}}[{window}s]))'
)
DEFAULT_ERRORS_QUERY = (
    "sum(increase(callcenter_predictor_errors_total"
    '{{namespace="{namespace}",pod=~"{predictor}-.*",model_name="{model}"}}[{window}s]))'
)


class RolloutSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCAI_ROLLOUT_", protected_namespaces=())

    # MLflow registry (REST API). Token or user/password when the server requires auth.
    mlflow_tracking_uri: str = "http://127.0.0.1:5000"
    mlflow_token: str | None = None
    mlflow_username: str | None = None
    mlflow_password: str | None = None
    registry_poll_s: float = 30.0  # how often the alias is re-read (a webhook forces a re-read)
    registry_timeout_s: float = 10.0
    # Artifact location -> storageUri: prefix rewrites, e.g. {"mlflow-artifacts:/": "s3://mlflow/"}
    # (KServe's storage initializer cannot read mlflow-artifacts:/ URIs itself).
    uri_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    verify_artifacts: bool = True  # a version whose folder has no MLmodel file is refused

    # Kubernetes. Unset kube_server: in-cluster service account, else ~/.kube/config.
    kube_server: str | None = None
    namespace: str = "default"  # the operator's own namespace (its Lease lives there)
    watch_namespaces: Annotated[list[str], NoDecode] = Field(default_factory=list)  # [] = own
    tick_s: float = 5.0  # how often each ModelRollout is reconciled
    version_env: str = "CCAI_PREDICTOR_MODEL_VERSION"  # env var set on the predictor container

    # Health while baking: probes (v2 inference requests to the predictor being judged) plus
    # Prometheus when configured, else the predictor's own /metrics.
    predictor_url_template: str = "http://{predictor}.{namespace}.svc.cluster.local"
    probe_enabled: bool = True
    probe_requests: int = 2  # per tick
    probe_timeout_s: float = 5.0
    probe_input: str = "text"
    probe_text: str = "my laptop screen is broken"
    prometheus_url: str | None = None
    prometheus_latency_query: str = DEFAULT_LATENCY_QUERY
    prometheus_requests_query: str = DEFAULT_REQUESTS_QUERY
    prometheus_errors_query: str = DEFAULT_ERRORS_QUERY
    scrape_enabled: bool = True  # read the predictor's /metrics when there is no Prometheus
    scrape_path: str = "/metrics"
    latency_metric: str = "request_predict_seconds"  # histogram (KServe's, label model_name)
    errors_metric: str = "callcenter_predictor_errors_total"  # counter; absent = not judged

    # Operator process.
    host: str = "0.0.0.0"
    port: int = 8080  # /metrics and /webhooks/mlflow
    health_port: int = 8081  # /healthz (kopf liveness)
    webhook_url: str | None = None  # where MLflow should send alias events; registered on start
    webhook_secret: str | None = None  # HMAC secret shared with MLflow; required to accept events
    leader_election: bool = True  # a Lease makes one replica act at a time
    lease_name: str = "callcenterai-rollout"
    lease_duration_s: float = 15.0
    identity: str | None = None  # Lease holder identity; default hostname-pid
    log_level: str = "INFO"

    @field_validator("uri_map", mode="before")
    @classmethod
    def _parse_map(cls, value: object) -> object:
        """JSON (`{"a": "b"}`) or `from=to` pairs separated by commas."""
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return {}
            if value.startswith("{"):
                return json.loads(value)
            pairs = [p.split("=", 1) for p in value.split(",") if p.strip()]
            return {k.strip(): v.strip() for k, v in pairs}
        return value

    @field_validator("watch_namespaces", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [n.strip() for n in value.split(",") if n.strip()]
        return value

    @property
    def namespaces(self) -> list[str]:
        return self.watch_namespaces or [self.namespace]
