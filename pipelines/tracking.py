"""Which MLflow server the registry stages talk to, checked before any work starts."""

from __future__ import annotations

import urllib.request

import mlflow

from pipelines.cli import StageError


def connect(uri: str) -> str:
    """Point MLflow at `uri` (PipelineSettings.tracking_uri) and fail in seconds with a fix,
    instead of after MLflow's minutes of HTTP retries, when the server is not there."""
    if uri.startswith("http"):
        try:
            urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=5).close()
        except OSError as exc:
            raise StageError(
                f"MLflow tracking server not reachable at {uri} ({exc}); start it with "
                "`make mlflow` or set MLFLOW_TRACKING_URI"
            ) from None
    mlflow.set_tracking_uri(uri)
    return uri
