"""Start the project's real processes on free loopback ports: used by tests and benchmarks."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict:
    """What a benchmark ran on: results from different CPUs are not comparable."""
    info = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        fields = {}
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
        flags = set(fields.get("flags", "").split())
        info["cpu"] = fields.get("model name", "")
        info["avx512"] = "avx512f" in flags
        info["avx512_bf16"] = "avx512_bf16" in flags
        info["amx_bf16"] = "amx_bf16" in flags
    return info


# Below Linux's ephemeral range (32768-60999): a port handed out here cannot be taken, before
# its server binds it, by the local end of some outgoing connection (the agent's to the
# predictors, a test client's), which is what port 0 risks on a busy machine.
_PORTS = range(20000, 32000)
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on, never the same twice in one process."""
    for port in random.sample(_PORTS, 200):
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {_PORTS}")


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

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (Linux; 0 elsewhere).

        On 2 shared cores latency differences between runs are noisy; the CPU a server spends per
        request is the steadier measure of its own cost.
        """
        stat = Path(f"/proc/{self.proc.pid}/stat") if self.proc is not None else None
        if stat is None or not stat.is_file():
            return 0.0
        fields = stat.read_text().rsplit(")", 1)[1].split()  # fields 3.. of proc_pid_stat(5)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def module_server(module: str, health: str, tmp: Path, *args: str) -> Server:
    """A benchmark's reference server, `python -m MODULE PORT ARGS...` on a free port."""
    port = free_port()
    return Server(
        [sys.executable, "-m", module, str(port), *args],
        port,
        health,
        None,
        tmp / f"{module.rsplit('.', 1)[-1]}-{port}.log",
    )


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


def agent(tmp: Path, svm_url: str, transformer_url: str, **env: str) -> Server:
    port = free_port()
    variables = {
        "CCAI_AGENT_PORT": str(port),
        "CCAI_AGENT_HOST": "127.0.0.1",
        "CCAI_AGENT_SVM_URL": svm_url,
        "CCAI_AGENT_TRANSFORMER_URL": transformer_url,
        "CCAI_AGENT_BREAKER_RESET_S": "2",
        **{f"CCAI_AGENT_{k.upper()}": v for k, v in env.items()},
    }
    return Server(
        [sys.executable, "-m", "agent"],
        port,
        "/healthz",
        {**os.environ, **variables},
        tmp / f"agent-{port}.log",
    )


def mlflow_server(store: Path, tmp: Path) -> Server:
    """A private MLflow server on an existing store (the local stack's `.run/mlflow`): a
    benchmark can kill it without touching the stack's own server."""
    port = free_port()
    return Server(
        [
            str(Path(sys.executable).with_name("mlflow")),
            "server",
            "--backend-store-uri",
            f"sqlite:///{store / 'mlflow.db'}",
            "--artifacts-destination",
            str(store / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        port,
        "/health",
        {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        tmp / f"mlflow-{port}.log",
    )


def registry_stack(store: Path, tmp: Path, **agent_env: str) -> tuple[Server, ...]:
    """MLflow on `store`, both predictors serving its `production` versions, and the agent
    reading their policies from it: (mlflow, svm, transformer, agent), all started."""
    if not (store / "mlflow.db").is_file():
        raise SystemExit(f"no registry at {store}: run `make demo` or `make train` first")
    registry = mlflow_server(store, tmp).start()
    env = {"MLFLOW_TRACKING_URI": registry.url}
    svm = predictor("svm", "models:/callcenter-svm@production", tmp, env=env).start()
    transformer = predictor(
        "transformer", "models:/callcenter-transformer@production", tmp, env=env
    ).start()
    front = agent(
        tmp, svm.url, transformer.url, mlflow_tracking_uri=registry.url, **agent_env
    ).start()
    return registry, svm, transformer, front
