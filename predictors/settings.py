"""Predictor configuration: command-line flags (KServe style) over `CCAI_PREDICTOR_*` env vars."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _renamed(field: str, old: str) -> AliasChoices:
    """The variable's name, and the name it had before 0.2 (still read, so configs keep working)."""
    return AliasChoices(f"CCAI_PREDICTOR_{field.upper()}", f"CCAI_PREDICTOR_{old}")


class PredictorSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CCAI_PREDICTOR_", protected_namespaces=(), populate_by_name=True
    )

    model_name: str | None = None  # default: callcenter-svm / callcenter-transformer
    # A folder (what KServe's storage initializer leaves under /mnt/models) or a registry URI
    # such as models:/callcenter-svm@production (needs MLFLOW_TRACKING_URI).
    model_dir: str = "/mnt/models"
    # Shown in responses and metrics; the registry version when loading from models:/ URIs.
    model_version: str | None = None
    http_port: int = 8080
    # Texts in one request (more: 400). Not the micro-batch below, which joins requests.
    max_request_texts: int = Field(
        64, validation_alias=_renamed("max_request_texts", "MAX_BATCH_SIZE")
    )
    max_text_chars: int = 10_000  # characters in one text
    # Whole request body, refused with 413 before it is read (Starlette's body limit).
    max_body_bytes: int = 4 * 1024 * 1024
    # Micro-batching of concurrent requests into one model call.
    microbatch_max_texts: int = Field(
        64, validation_alias=_renamed("microbatch_max_texts", "BATCH_MAX_SIZE")
    )
    microbatch_max_wait_ms: float = Field(
        2.0, validation_alias=_renamed("microbatch_max_wait_ms", "BATCH_MAX_WAIT_MS")
    )
    threads: int = 0  # intra-op threads for torch / ONNX Runtime; 0 = library default
    backend: Literal["onnx", "torch"] = "onnx"  # transformer only
    # SVM only: "linear" runs the fitted pipeline as a sparse dot product (contract.svm_runtime),
    # "sklearn" through scikit-learn's predict_proba; same labels, ~10x apart per ticket.
    svm_backend: Literal["linear", "sklearn"] = "linear"
    max_length: int = 0  # transformer truncation; 0 = the length it was trained with
    log_requests: bool = False  # per-request log lines cost throughput
    load_retry_seconds: float = 10.0
