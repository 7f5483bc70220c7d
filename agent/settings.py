"""Agent configuration from `CCAI_AGENT_*` environment variables (same names in the chart)."""

from __future__ import annotations

import re
from typing import Annotated

from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class AgentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCAI_AGENT_", protected_namespaces=())

    host: str = "0.0.0.0"
    port: int = 8000
    # Predictors, reached over the v2 protocol only.
    svm_url: str = "http://127.0.0.1:8081"
    svm_model: str = "callcenter-svm"
    transformer_url: str = "http://127.0.0.1:8082"
    transformer_model: str = "callcenter-transformer"
    svm_timeout_s: float = 1.0
    transformer_timeout_s: float = 5.0
    breaker_failures: int = 3  # consecutive failures that open a predictor's circuit
    breaker_reset_s: float = 10.0  # how long it stays open before one trial call
    retry_after_s: int = 5  # Retry-After when both predictors are down
    # Routing policy. The SVM-confidence threshold comes from the registry (set by the
    # calibrate_router stage on the production SVM version); this value is used until then.
    svm_threshold: float = 0.6
    long_words: int = 120  # tickets longer than this go to the transformer
    complexity_max: float = 0.6  # ... and so do tickets whose complexity score exceeds this
    mlflow_tracking_uri: str | None = None  # where to read the calibrated threshold
    policy_refresh_s: float = 60.0
    # Input limits.
    max_text_chars: int = 10_000
    max_batch_size: int = 64
    # Whole request body, refused with 413 before it is read: 64 tickets of 10,000 characters
    # fit even as 3-byte UTF-8 (Arabic is 2).
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    # Per caller (API key, or address when open), `limits` syntax: "20/second;600/minute".
    # Empty: no limit. Over it: 429 with Retry-After.
    rate_limit: str = ""
    rate_limit_storage: str = "memory://"  # per replica; redis://host:6379 shares it
    # Optional bearer-token auth: empty means open.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    pii_ner: bool = True  # spaCy person-name detection (English, French)
    # The organisation's staff-number format, redacted wherever it appears (e.g. "ST-\d{5}");
    # empty: employee numbers are found after cue words only ("employee number", "matricule").
    pii_employee_id_pattern: str = ""

    @field_validator("rate_limit")
    @classmethod
    def _parses(cls, value: str) -> str:
        """A typo fails at start-up, not as 500s on the first requests."""
        if value.strip():
            parse_many(value)
        return value.strip()

    @field_validator("pii_employee_id_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        """A broken pattern fails at start-up, not on the first ticket."""
        re.compile(value)
        return value

    log_level: str = "INFO"
    # Review store (agent/store.py): a SQLAlchemy URL, "sqlite:///path/review.db" or
    # "postgresql+psycopg://user:pass@host/db"; empty: no store (the review endpoints answer 503).
    store_url: str = ""
    store_retention_days: float = Field(30.0, gt=0)  # POST /v1/review/purge deletes older rows
    # The desk's category mix (agent/traffic_mix.py): answers move from the training mix onto
    # the one estimated from reviewed tickets, once this many review-band answers have a
    # person's category; 0 turns it off. The pseudo-count pulls rare categories towards the
    # training prior (20: best or within a ticket of it on the development live set, bench.prior).
    traffic_mix_min_reviews: int = Field(100, ge=0)
    traffic_mix_pseudo_count: float = Field(20.0, ge=0)
    traffic_mix_refresh_s: float = Field(60.0, gt=0)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """A comma-separated list, as it arrives from a Kubernetes Secret."""
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value
