"""Soak: steady load for N minutes, memory, file descriptors and p99 of every process over time.

    python -m bench.soak [--minutes 30] [--share 0.5]

Starts the same processes as bench.faults (a private MLflow server on the local stack's registry,
both predictors serving `production`, the agent), measures the agent's capacity for 20 s with
closed-loop clients, then sends live-style tickets at `--share` of that rate (open loop: a
request leaves on schedule whether or not the previous ones were answered) for `--minutes`.
Every 5 s it samples each process group's resident memory and open file descriptors. Reports
RSS growth from the end of the warm-up (the first 5 minutes, or a sixth of a shorter run) to the
end, the fd range, and p99 per minute; aims: RSS growth under 5%, flat fds, the last 5 minutes'
p99 within 20% of the first 5's. Writes bench/results/soak.json and a PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import httpx
import pandas as pd

from devtools.harness import ROOT, Server, machine, registry_stack

RESULTS = ROOT / "bench" / "results"
SAMPLE_S = 5.0
MAX_IN_FLIGHT = 64  # beyond this the schedule slips and the run reports it


def group_usage(server: Server) -> tuple[float, int]:
    """RSS (MB) and open fds summed over the server's process group (Linux /proc)."""
    if server.proc is None:
        return 0.0, 0
    pgid, rss_kb, fds = server.proc.pid, 0, 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != pgid:  # field 5 of proc_pid_stat(5): the process group
                continue
            status = (proc / "status").read_text()
            rss_kb += int(
                next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1]
            )
            fds += len(os.listdir(proc / "fd"))
        except (OSError, StopIteration, IndexError, ValueError):
            continue  # a process that ended while being read
    return rss_kb / 1024, fds


async def capacity(url: str, texts: list[str], seconds: float, clients: int = 4) -> float:
    """Answers per second with `clients` closed-loop clients (no think time)."""
    done = 0
    stop_at = time.monotonic() + seconds

    async def client(offset: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            i = offset
            while time.monotonic() < stop_at:
                r = await http.post("/v1/classify", json={"text": texts[i % len(texts)]})
                done += r.status_code == 200
                i += clients

    await asyncio.gather(*(client(i) for i in range(clients)))
    return done / seconds


async def soak(
    url: str, texts: list[str], rate: float, seconds: float, servers: dict[str, Server]
) -> tuple[list[dict], list[dict], int]:
    requests: list[dict] = []
    samples: list[dict] = []
    in_flight = 0
    slipped = 0
    t0 = time.monotonic()
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT)

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:

        async def one(text: str, started: float) -> None:
            nonlocal in_flight
            in_flight += 1
            try:
                r = await http.post("/v1/classify", json={"text": text})
                status = r.status_code
            except httpx.TransportError as exc:
                status = type(exc).__name__
            finally:
                in_flight -= 1
            requests.append(
                {"t": started - t0, "ms": 1000 * (time.monotonic() - started), "status": status}
            )

        async def sampler() -> None:
            while time.monotonic() - t0 < seconds:
                row = {"t": time.monotonic() - t0, "in_flight": in_flight}
                for name, server in servers.items():
                    row[f"{name}_rss_mb"], row[f"{name}_fds"] = group_usage(server)
                samples.append(row)
                await asyncio.sleep(SAMPLE_S)

        tasks: set[asyncio.Task] = set()
        sampling = asyncio.create_task(sampler())
        i = 0
        while (now := time.monotonic()) - t0 < seconds:
            due = t0 + i / rate
            if due > now:
                await asyncio.sleep(due - now)
            if in_flight >= MAX_IN_FLIGHT:
                slipped += 1
                await asyncio.sleep(0.01)
                continue
            task = asyncio.create_task(one(texts[i % len(texts)], time.monotonic()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        await asyncio.gather(*tasks)
        await sampling
    return requests, samples, slipped


def per_minute(requests: pd.DataFrame) -> pd.DataFrame:
    requests = requests.assign(minute=(requests["t"] // 60).astype(int))
    grouped = requests.groupby("minute")
    return pd.DataFrame(
        {
            "requests": grouped.size(),
            "errors": grouped["status"].apply(lambda s: int((s != 200).sum())),
            "p50_ms": grouped["ms"].quantile(0.5).round(1),
            "p99_ms": grouped["ms"].quantile(0.99).round(1),
        }
    ).reset_index()


def plot(samples: pd.DataFrame, minutes: pd.DataFrame, names: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    for name in names:
        top.plot(samples["t"] / 60, samples[f"{name}_rss_mb"], label=name)
    top.set_ylabel("RSS (MB)")
    top.legend(loc="center right", fontsize=8)
    top.set_title("soak: resident memory per process group, p99 per minute")
    bottom.plot(minutes["minute"] + 0.5, minutes["p99_ms"], marker="o", label="p99")
    bottom.plot(minutes["minute"] + 0.5, minutes["p50_ms"], marker=".", label="p50")
    bottom.set_ylabel("agent latency (ms)")
    bottom.set_xlabel("minutes")
    bottom.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--share", type=float, default=0.5, help="of the measured capacity")
    parser.add_argument("--store", type=Path, default=ROOT / ".run" / "mlflow")
    parser.add_argument("--out", type=Path, default=RESULTS / "soak.json")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    live = pd.read_csv(ROOT / "data" / "live" / "live_tickets.csv", keep_default_na=False)
    texts = live["text"].tolist()
    names = ("mlflow", "svm", "transformer", "agent")
    servers = dict(zip(names, registry_stack(args.store, tmp), strict=True))
    try:
        measured = asyncio.run(capacity(servers["agent"].url, texts, 20))
        rate = args.share * measured
        print(f"capacity {measured:.1f} answers/s; soaking at {rate:.1f}/s for {args.minutes} min")
        raw, raw_samples, slipped = asyncio.run(
            soak(servers["agent"].url, texts, rate, 60 * args.minutes, servers)
        )
    finally:
        for server in servers.values():
            server.stop()
    requests, samples = pd.DataFrame(raw), pd.DataFrame(raw_samples)
    minutes = per_minute(requests)
    warm = min(5.0, args.minutes / 6) * 60
    after_warm = samples[samples["t"] >= warm]
    processes = {}
    for name in servers:
        rss = after_warm[f"{name}_rss_mb"]
        fds = samples[f"{name}_fds"]
        processes[name] = {
            "rss_mb_after_warmup": round(float(rss.iloc[0]), 1),
            "rss_mb_end": round(float(rss.iloc[-1]), 1),
            "rss_growth_pct": round(100 * (rss.iloc[-1] / rss.iloc[0] - 1), 2),
            "fds_min": int(fds.min()),
            "fds_max": int(fds.max()),
        }
    span = max(1, min(5, len(minutes) // 2))
    first, last = minutes.head(span)["p99_ms"].median(), minutes.tail(span)["p99_ms"].median()
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "minutes": args.minutes,
        "capacity_per_s": round(measured, 1),
        "rate_per_s": round(rate, 1),
        "requests": len(requests),
        "errors": int((requests["status"] != 200).sum()),
        "schedule_slips": slipped,
        "p99_first_minutes_ms": first,
        "p99_last_minutes_ms": last,
        "p99_change_pct": round(100 * (last / first - 1), 1),
        "processes": processes,
        "per_minute": minutes.to_dict(orient="records"),
    }
    print(pd.DataFrame(processes).T.to_string())
    print(minutes.to_string(index=False))
    print(
        f"p99 first {span} min {first} ms, last {span} min {last} ms "
        f"({result['p99_change_pct']:+.1f}%); errors {result['errors']}; slips {slipped}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    plot(samples, minutes, list(servers), args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
