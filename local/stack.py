"""Run the local stack under supervisor: `python -m local.stack up|down|status|logs|mlflow`.

Ports and paths come from local/stack.env (overridable by environment variables), logs go to
<stack dir>/logs/. `up` is idempotent: programs already running are reported, not restarted, and a
port taken by something else is named instead of failing later.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "local" / "supervisord.conf"
MODELS = ("callcenter-svm", "callcenter-transformer")


class StackError(RuntimeError):
    pass


def load_env() -> dict[str, str]:
    """stack.env under the process environment; paths made absolute for supervisor."""
    env = dict(os.environ)
    for line in (ROOT / "local" / "stack.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env.setdefault(key, value)
    stack_dir = Path(env["CCAI_STACK_DIR"])
    env["CCAI_STACK_DIR"] = str(stack_dir if stack_dir.is_absolute() else ROOT / stack_dir)
    env["CCAI_ROOT"] = str(ROOT)
    env["CCAI_BIN"] = str(Path(sys.executable).parent)
    env["PATH"] = f"{env['CCAI_BIN']}:{env.get('PATH', '')}"
    env["MLFLOW_TRACKING_URI"] = f"http://127.0.0.1:{env['MLFLOW_PORT']}"
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    for sub in ("logs", "mlflow", "prometheus"):
        Path(env["CCAI_STACK_DIR"], sub).mkdir(parents=True, exist_ok=True)
    return env


def endpoints(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Program -> (base URL, readiness path)."""
    url = lambda port: f"http://127.0.0.1:{env[port]}"  # noqa: E731
    return {
        "mlflow": (url("MLFLOW_PORT"), "/health"),
        "svm": (url("SVM_PORT"), "/v2/models/callcenter-svm/ready"),
        "transformer": (url("TRANSFORMER_PORT"), "/v2/models/callcenter-transformer/ready"),
        "agent": (url("AGENT_PORT"), "/readyz"),
        "prometheus": (url("PROMETHEUS_PORT"), "/-/ready"),
    }


def ctl(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(Path(env["CCAI_BIN"]) / "supervisorctl"), "-c", str(CONF), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


def supervisord_pid(env: dict[str, str]) -> int | None:
    pidfile = Path(env["CCAI_STACK_DIR"], "supervisord.pid")
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def ensure_supervisord(env: dict[str, str]) -> None:
    if supervisord_pid(env):
        return
    subprocess.run(
        [str(Path(env["CCAI_BIN"]) / "supervisord"), "-c", str(CONF)], env=env, check=True
    )
    for _ in range(100):
        if ctl(env, "pid").strip().isdigit():
            return
        time.sleep(0.1)
    raise StackError(f"supervisord did not start; see {log_path(env, 'supervisord')}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def port_busy(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def state(env: dict[str, str], program: str) -> str:
    words = ctl(env, "status", program).split()
    return words[1] if len(words) > 1 else "UNKNOWN"


def start(env: dict[str, str], program: str, timeout: float = 300) -> None:
    base, ready = endpoints(env)[program]
    if state(env, program) == "RUNNING" and healthy(base + ready):
        print(f"  {program:12} already running at {base}")
        return
    if state(env, program) == "RUNNING":
        pass  # started earlier and still loading: wait for it below
    elif port_busy(base):
        if program == "mlflow" and healthy(base + ready):
            print(f"  {program:12} already served at {base} by another process; using it")
            return
        raise StackError(f"{program}: port of {base} is taken by another process")
    else:
        output = ctl(env, "start", program)
        if "ERROR" in output:
            raise StackError(f"{program}: {output.strip()} (see {log_path(env, program)})")
    started = time.monotonic()
    while not healthy(base + ready):
        if state(env, program) not in ("RUNNING", "STARTING"):
            raise StackError(f"{program} stopped; see {log_path(env, program)}")
        if time.monotonic() - started > timeout:
            raise StackError(
                f"{program} not ready after {timeout:.0f} s; see {log_path(env, program)}"
            )
        time.sleep(0.5)
    print(f"  {program:12} ready at {base} ({time.monotonic() - started:.1f} s)", flush=True)


def log_path(env: dict[str, str], program: str) -> Path:
    return Path(env["CCAI_STACK_DIR"], "logs", f"{program}.log")


def missing_models(env: dict[str, str]) -> list[str]:
    base = endpoints(env)["mlflow"][0]
    missing = []
    for name in MODELS:
        url = f"{base}/api/2.0/mlflow/registered-models/alias?name={name}&alias=production"
        if not healthy(url):
            missing.append(name)
    return missing


def write_prometheus_config(env: dict[str, str]) -> None:
    """Scrape every component every 5 s; alert rules are the chart's own files (one source)."""
    rules = sorted((ROOT / "charts" / "callcenterai" / "rules").glob("*.yaml"))
    jobs = {
        "callcenter-agent": env["AGENT_PORT"],
        "callcenter-svm": env["SVM_PORT"],
        "callcenter-transformer": env["TRANSFORMER_PORT"],
        "prometheus": env["PROMETHEUS_PORT"],
    }
    lines = ["global:", "  scrape_interval: 5s", "  evaluation_interval: 5s"]
    if rules:
        lines += ["rule_files:", *(f"  - {path}" for path in rules)]
    lines.append("scrape_configs:")
    for job, port in jobs.items():
        lines += [
            f"  - job_name: {job}",
            "    static_configs:",
            f"      - targets: ['127.0.0.1:{port}']",
        ]
    Path(env["CCAI_STACK_DIR"], "prometheus", "prometheus.yml").write_text("\n".join(lines) + "\n")


def mlflow(env: dict[str, str]) -> None:
    ensure_supervisord(env)
    start(env, "mlflow", timeout=120)


def up(env: dict[str, str]) -> None:
    print("starting the local stack", flush=True)
    mlflow(env)
    missing = missing_models(env)
    if missing:
        raise StackError(
            f"no production version of {', '.join(missing)} in the registry at "
            f"{env['MLFLOW_TRACKING_URI']}: run `make train` first (or `make demo`)"
        )
    write_prometheus_config(env)
    for program in ("svm", "transformer", "agent", "prometheus"):
        start(env, program)
    print_endpoints(env)


def print_endpoints(env: dict[str, str]) -> None:
    e = endpoints(env)
    print(
        "\nendpoints:\n"
        f"  agent API      {e['agent'][0]}/v1/classify   (docs: {e['agent'][0]}/docs)\n"
        f"  SVM v2         {e['svm'][0]}/v2/models/callcenter-svm/infer\n"
        f"  transformer v2 {e['transformer'][0]}/v2/models/callcenter-transformer/infer\n"
        f"  MLflow UI      {e['mlflow'][0]}\n"
        f"  Prometheus     {e['prometheus'][0]}   (targets: {e['prometheus'][0]}/targets)\n"
        f"  logs           {Path(env['CCAI_STACK_DIR'], 'logs')}/   (make logs)"
    )


def down(env: dict[str, str]) -> None:
    pid = supervisord_pid(env)
    if pid is None:
        print("local stack is not running")
        return
    ctl(env, "shutdown")
    for _ in range(300):
        if supervisord_pid(env) is None:
            break
        time.sleep(0.1)
    print("local stack stopped")


def status(env: dict[str, str]) -> bool:
    if supervisord_pid(env) is None:
        print("local stack is not running (make up)")
        return False
    ok = True
    for program, (base, ready) in endpoints(env).items():
        health = "ready" if healthy(base + ready) else "not ready"
        ok &= health == "ready"
        print(f"  {program:12} {state(env, program):9} {health:10} {base}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description="Local CallCenterAI stack")
    parser.add_argument(
        "command", choices=["up", "down", "status", "logs", "mlflow", "endpoints", "has-models"]
    )
    args = parser.parse_args()
    env = load_env()
    try:
        if args.command == "up":
            up(env)
        elif args.command == "down":
            down(env)
        elif args.command == "status":
            sys.exit(0 if status(env) else 1)
        elif args.command == "mlflow":
            mlflow(env)
        elif args.command == "has-models":
            missing = missing_models(env)
            print(f"missing production models: {', '.join(missing)}" if missing else "models ready")
            sys.exit(1 if missing else 0)
        elif args.command == "endpoints":
            print_endpoints(env)
        else:
            logs = sorted(Path(env["CCAI_STACK_DIR"], "logs").glob("*.log"))
            os.execvp("tail", ["tail", "-n", "30", "-F", *map(str, logs)])
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
