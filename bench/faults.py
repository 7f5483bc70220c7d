"""Faults under load: what callers see while a component dies, freezes or restarts.

    python -m bench.faults [--concurrency 4] [--deadline-s 10]

Starts its own MLflow server on the local stack's registry (`.run/mlflow`, filled by `make demo`
or `make train`; the stack's own server is left alone), both predictors loading `production`
from it, and the agent reading its policies from it every 2 s. A bounded load of live-style
tickets (English ones take the SVM path, French and Arabic the transformer's) runs through the
agent's /v1/classify while, one at a time:

- the transformer predictor is killed (SIGKILL) and restarted;
- it is frozen (SIGSTOP) for longer than the agent's transformer timeout, then resumed;
- the SVM predictor is killed and restarted;
- MLflow is killed and restarted (everything keeps serving with what it loaded);
- the agent itself is restarted.

Per fault: requests sent, answered 200 (and how many of those by the other model, the chosen
one being unavailable), answered 503 with Retry-After, other HTTP errors,
refused connections, hung (no answer within the client's deadline: must be 0), p99 during the
fault, and the seconds from the end of the fault to full recovery (the first moment after which
every request of the next 3 s is answered 200). Writes bench/results/faults.json and a PNG
timeline (answers and errors per second, fault windows shaded). Only loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from devtools.harness import ROOT, Server, machine, registry_stack

RESULTS = ROOT / "bench" / "results"
STEADY_S = 3.0  # recovered: every request started in this long a window is answered 200
TRANSFORMER_TIMEOUT_S = 2.0


@dataclass
class Outcome:
    started: float
    ended: float
    status: int | None  # None: no HTTP answer
    retry_after: bool = False
    error: str = ""  # "hung", "refused", or another transport error's class
    fallback: bool = False  # 200 from the other model: the chosen one was unavailable


@dataclass
class Fault:
    name: str
    begin: Callable[[], None]
    end: Callable[[], None]
    hold_s: float  # how long the fault lasts before `end`
    window: tuple[float, float] = (0.0, 0.0)


def signal_group(server: Server, sig: int) -> None:
    """Signal the server's whole process group (it was started in a session of its own)."""
    if server.proc is not None and server.proc.poll() is None:
        os.killpg(server.proc.pid, sig)


def hard_kill(server: Server) -> None:
    signal_group(server, signal.SIGKILL)
    if server.proc is not None:
        server.proc.wait()


async def load(
    url: str,
    texts: list[str],
    concurrency: int,
    deadline_s: float,
    stop: threading.Event,
    out: list[Outcome],
) -> None:
    async def worker(offset: int) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=url, timeout=deadline_s, limits=limits) as client:
            i = offset
            while not stop.is_set():
                text = texts[i % len(texts)]
                i += concurrency
                started = time.monotonic()
                try:
                    r = await client.post("/v1/classify", json={"text": text})
                    ended = time.monotonic()
                    retry = "retry-after" in r.headers
                    fallback = r.status_code == 200 and r.json()["route"]["fallback"]
                    out.append(Outcome(started, ended, r.status_code, retry, fallback=fallback))
                except httpx.TimeoutException:
                    out.append(Outcome(started, time.monotonic(), None, error="hung"))
                except httpx.ConnectError:
                    out.append(Outcome(started, time.monotonic(), None, error="refused"))
                    await asyncio.sleep(0.2)  # a real client backs off from a refused port
                except httpx.TransportError as exc:
                    out.append(Outcome(started, time.monotonic(), None, error=type(exc).__name__))
                await asyncio.sleep(0.02)

    await asyncio.gather(*(worker(i) for i in range(concurrency)))


def recovery_s(outcomes: list[Outcome], fault_end: float, horizon: float) -> float | None:
    """Seconds from `fault_end` until every request of the next STEADY_S seconds got 200."""
    after = sorted((o for o in outcomes if o.started >= fault_end), key=lambda o: o.started)
    for i, first in enumerate(after):
        window = [o for o in after[i:] if o.started < first.started + STEADY_S]
        if first.started + STEADY_S > horizon:
            return None
        if all(o.status == 200 for o in window):
            return round(first.started - fault_end, 2)
    return None


def summarise(fault: Fault, outcomes: list[Outcome], horizon: float) -> dict:
    begin, end = fault.window
    recovered = recovery_s(outcomes, end, horizon)
    until = end + (recovered if recovered is not None else 0) + STEADY_S
    mine = [o for o in outcomes if begin <= o.started < until]
    latencies = [1000 * (o.ended - o.started) for o in mine if o.status is not None]
    deliberate = [o for o in mine if o.status == 503 and o.retry_after]
    other = pd.Series(
        [
            o.status
            for o in mine
            if o.status not in (None, 200) and not (o.status == 503 and o.retry_after)
        ],
        dtype=int,
    )
    return {
        "fault": fault.name,
        "fault_s": round(end - begin, 2),
        "sent": len(mine),
        "ok": sum(o.status == 200 for o in mine),
        "ok_by_fallback": sum(o.fallback for o in mine),
        "503_retry_after": len(deliberate),
        "other_http": {str(k): int(v) for k, v in other.value_counts().items()},
        "refused": sum(o.error == "refused" for o in mine),
        "hung": sum(o.error == "hung" for o in mine),
        "other_errors": sum(bool(o.error) and o.error not in ("hung", "refused") for o in mine),
        "p99_ms": round(float(np.percentile(latencies, 99)), 1) if latencies else None,
        "recovery_s": recovered,
    }


def plot(outcomes: list[Outcome], faults: list[Fault], t0: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seconds = int(max(o.started for o in outcomes) - t0) + 1
    ok, failed = np.zeros(seconds), np.zeros(seconds)
    for o in outcomes:
        (ok if o.status == 200 else failed)[int(o.started - t0)] += 1
    fig, ax = plt.subplots(figsize=(11, 4))
    ax.plot(ok, label="answered 200 per s", color="tab:green")
    ax.plot(failed, label="not 200 per s (503, refused, hung)", color="tab:red")
    for fault in faults:
        begin, end = fault.window
        ax.axvspan(begin - t0, end - t0, color="grey", alpha=0.25)
        ax.text(begin - t0, ax.get_ylim()[1] * 0.95, fault.name, fontsize=8, va="top")
    ax.set_xlabel("seconds")
    ax.set_ylabel("requests")
    ax.set_title("agent /v1/classify under faults (shaded: fault windows)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--deadline-s", type=float, default=10.0)
    parser.add_argument("--store", type=Path, default=ROOT / ".run" / "mlflow")
    parser.add_argument("--out", type=Path, default=RESULTS / "faults.json")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    live = pd.read_csv(ROOT / "data" / "live" / "live_tickets.csv", keep_default_na=False)
    texts = live["text"].tolist()
    registry, svm, transformer, front = registry_stack(
        args.store,
        tmp,
        policy_refresh_s="2",
        transformer_timeout_s=str(TRANSFORMER_TIMEOUT_S),
    )

    def restart(server: Server) -> Callable[[], None]:
        return lambda: server.start(timeout=180)

    faults = [
        Fault("transformer killed", lambda: hard_kill(transformer), restart(transformer), 5),
        Fault(
            "transformer frozen",
            lambda: signal_group(transformer, signal.SIGSTOP),
            lambda: signal_group(transformer, signal.SIGCONT),
            TRANSFORMER_TIMEOUT_S + 4,
        ),
        Fault("svm killed", lambda: hard_kill(svm), restart(svm), 5),
        Fault("mlflow killed", lambda: hard_kill(registry), restart(registry), 10),
        Fault("agent restarted", front.stop, restart(front), 0),
    ]
    outcomes: list[Outcome] = []
    stop = threading.Event()
    loader = threading.Thread(
        target=lambda: asyncio.run(
            load(front.url, texts, args.concurrency, args.deadline_s, stop, outcomes)
        ),
        daemon=True,
    )
    t0 = time.monotonic()
    loader.start()
    try:
        time.sleep(10)  # warm-up: the baseline before the first fault
        for fault in faults:
            print(f"fault: {fault.name}", flush=True)
            begin = time.monotonic()
            fault.begin()
            time.sleep(fault.hold_s)
            fault.end()  # a restart returns once the component answers its readiness probe
            end = time.monotonic()
            fault.window = (begin, end)
            time.sleep(15)  # traffic after the fault, in which recovery is measured
        horizon = time.monotonic()
    finally:
        stop.set()
        loader.join(timeout=args.deadline_s + 5)
        for server in (front, svm, transformer, registry):
            signal_group(server, signal.SIGCONT)
            server.stop()
    rows = [summarise(fault, outcomes, horizon) for fault in faults]
    baseline = [1000 * (o.ended - o.started) for o in outcomes if o.started < t0 + 10]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "concurrency": args.concurrency,
        "client_deadline_s": args.deadline_s,
        "agent_transformer_timeout_s": TRANSFORMER_TIMEOUT_S,
        "requests": len(outcomes),
        "baseline_p99_ms": round(float(np.percentile(baseline, 99)), 1) if baseline else None,
        "faults": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    plot(outcomes, faults, t0, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
