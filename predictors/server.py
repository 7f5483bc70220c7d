"""Command line shared by `python -m predictors.svm` and `python -m predictors.transformer`."""

from __future__ import annotations

import argparse
import logging
import warnings

import kserve
from kserve import model_server
from kserve.protocol.rest.server import RESTServer

from predictors.model import TicketClassifier
from predictors.settings import PredictorSettings

OPTIONS = {
    "model_dir": str,
    "model_version": str,
    "max_request_texts": int,
    "max_text_chars": int,
    "max_body_bytes": int,
    "microbatch_max_texts": int,
    "microbatch_max_wait_ms": float,
    "threads": int,
    "backend": str,
    "svm_backend": str,
    "max_length": int,
    "load_retry_seconds": float,
}


def parse_settings(argv: list[str] | None, model_name: str) -> PredictorSettings:
    """Flags on the command line win over CCAI_PREDICTOR_* variables, which win over defaults."""
    parser = argparse.ArgumentParser(parents=[model_server.parser], conflict_handler="resolve")
    parser.set_defaults(model_name=None, http_port=None)
    for option, kind in OPTIONS.items():
        parser.add_argument(f"--{option}", type=kind, default=None)
    parser.add_argument("--log_requests", action="store_true", default=None)
    args, _ = parser.parse_known_args(argv)
    fields = PredictorSettings.model_fields
    given = {k: v for k, v in vars(args).items() if k in fields and v is not None}
    settings = PredictorSettings(**given)
    return settings.model_copy(update={"model_name": settings.model_name or model_name})


def quiet_requests() -> None:
    """Drop KServe's per-request logging work: over a quarter of a no-op model's throughput.

    KServe logs access lines and latency traces for every request, and its timing middleware
    (which only feeds those traces) matches the route a second time and formats two lines per
    request even when the trace logger is off: with it, a constant-answer model served 989 req/s
    at 16 connections; without it, 1,369.
    """
    for name in ("kserve.trace", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
    RESTServer._add_middlewares = lambda self, app: None


def serve(model_class: type[TicketClassifier], argv: list[str] | None = None) -> None:
    settings = parse_settings(argv, model_class.default_name)
    model = model_class(settings)
    server = kserve.ModelServer(
        http_port=settings.http_port,
        enable_grpc=False,
        enable_latency_logging=settings.log_requests,
    )
    # KServe configures only its own loggers: ours (loads, refusals, per-request lines) would
    # fall to the root logger's WARNING level and vanish.
    ours = logging.getLogger("predictors")
    ours.handlers = list(logging.getLogger("kserve").handlers)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    # KServe answers with FastAPI's deprecated ORJSONResponse; the warning is printed again on
    # every request whenever a library resets the warning filters, as scikit-learn does.
    warnings.filterwarnings("ignore", message="ORJSONResponse is deprecated")
    if not settings.log_requests:
        quiet_requests()
    # KServe serves the module-level FastAPI app of kserve.model_server; its body limit is read
    # when the middleware stack is built, on the first request.
    model_server.app.max_body_size = settings.max_body_bytes
    model.wait_ready(timeout=120)
    # Registered even when not ready: the server then answers 503 on /v2/models/NAME/ready and
    # infer, keeps retrying the load, and never crash-loops on a registry outage.
    server.register_model(model)
    server.start([])
