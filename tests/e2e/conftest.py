"""The local stack, started once per test session exactly as `make up` starts it (free ports)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, free_port, pipeline_env, run_stage


def stack(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "local.stack", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def stack_env(trained, tiny_params_file, tmp_path_factory):
    ports = {
        name: str(free_port())
        for name in ("MLFLOW_PORT", "SVM_PORT", "TRANSFORMER_PORT", "AGENT_PORT", "PROMETHEUS_PORT")
    }
    env = {
        **pipeline_env(trained, tiny_params_file),
        **ports,
        "CCAI_STACK_DIR": str(tmp_path_factory.mktemp("stack")),
    }
    env["MLFLOW_TRACKING_URI"] = f"http://127.0.0.1:{ports['MLFLOW_PORT']}"
    try:
        started = stack(env, "mlflow")
        assert started.returncode == 0, started.stderr
        refused = stack(env, "up")
        assert refused.returncode == 2 and "run `make train` first" in refused.stderr
        run_stage("pipelines.register", env)
        up = stack(env, "up")
        assert up.returncode == 0, up.stdout + up.stderr
        yield env
    finally:
        stack(env, "down")


def url(env: dict, port: str) -> str:
    return f"http://127.0.0.1:{env[port]}"
