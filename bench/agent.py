"""Agent overhead on the SVM path: the agent vs the SVM predictor called directly, one run.

    python -m bench.agent [--seconds 20] [--rounds 10]

Starts both predictors and the agent (threshold 0, so nothing escalates), sends the same short
English test-split tickets to the agent's /v1/classify (with and without a language hint, which
spares the agent its language detection) and straight to the predictor's v2 endpoint with wrk,
and to a FastAPI proxy that only forwards to the predictor (`bench/proxy.py`: the floor for any
FastAPI agent), and times the agent's in-process steps (language detection, PII scrubbing) alone.
Writes bench/results/agent.json and a PNG of every round's p50.

The targets take turns in short segments (`--rounds`) and the overhead is the median over
rounds of the agent's p50 minus the direct p50 of the same round: on a shared 2-core VM the
SVM's own cost drifts by a third from one minute to the next, more than the overhead measured.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from agent.language import LanguageDetector
from agent.pii import PiiScrubber
from bench import wrk
from bench.predictors import tickets, v2_body
from devtools.harness import ROOT, Server, agent, machine, module_server, predictor

RESULTS = ROOT / "bench" / "results"
DIRECT = "svm direct"
PROXY = "FastAPI proxy (floor)"
HINTED = "agent (svm), hint en"
DETECTED = "agent (svm), detected"


def short_tickets(limit: int = 200) -> list[str]:
    """Tickets the router keeps on the SVM path (not long)."""
    return [t for t in tickets(2000) if len(t.split()) <= 100][:limit]


def step_costs(texts: list[str]) -> dict:
    detector, scrubber = LanguageDetector(), PiiScrubber()
    detector.warm()
    scrubber.scrub("warm up John Smith", "en")
    timings: dict[str, list[float]] = {"language_ms": [], "pii_ms": []}
    for text in texts:
        started = time.perf_counter()
        detector.detect(text)
        middle = time.perf_counter()
        scrubber.scrub(text, "en")
        timings["language_ms"].append(1000 * (middle - started))
        timings["pii_ms"].append(1000 * (time.perf_counter() - middle))
    return {
        f"{name}_{q}": round(float(np.percentile(values, p)), 3)
        for name, values in timings.items()
        for q, p in (("p50", 50), ("p95", 95))
    }


def measure(
    server: Server,
    svm: Server,
    path: str,
    bodies: list[dict],
    connections: int,
    seconds: float,
    think_ms: int,
) -> dict:
    """One wrk segment, with the CPU the target server and the SVM predictor spent on it."""
    cpu, svm_cpu = server.cpu_seconds(), svm.cpu_seconds()
    r = wrk.run(server.url, path, bodies, connections, seconds, think_ms)
    r["cpu_ms"] = 1000 * (server.cpu_seconds() - cpu)
    r["svm_cpu_ms"] = 1000 * (svm.cpu_seconds() - svm_cpu)
    return r


def combine(segments: list[dict]) -> dict:
    """Totals over a target's segments; latency percentiles are the median of the segments'."""
    n = sum(s["requests"] for s in segments)
    seconds = sum(s["seconds"] for s in segments)
    out = {
        "requests": n,
        "seconds": round(seconds, 3),
        "errors": sum(s["errors"] for s in segments),
    }
    for q in ("p50_ms", "p95_ms", "p99_ms"):
        out[q] = round(statistics.median(s[q] for s in segments), 3)
    out["rps"] = round(n / seconds, 1)
    # CPU of the process wrk talks to (the agent's own cost, or the SVM's), and of the SVM
    # predictor behind it: the same model call costs the SVM more CPU behind the agent.
    out["cpu_ms_per_request"] = round(sum(s["cpu_ms"] for s in segments) / max(n, 1), 3)
    out["svm_cpu_ms_per_request"] = round(sum(s["svm_cpu_ms"] for s in segments) / max(n, 1), 3)
    return out


def plot(p50_rounds: dict[str, dict[int, list[float]]], path: Path) -> None:
    """p50 of every round per target: the gap to the direct line is the overhead, and the spread
    of the direct line is the machine's noise."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = sorted({c for by_c in p50_rounds.values() for c in by_c})
    fig, axes = plt.subplots(1, len(levels), figsize=(5.5 * len(levels), 4), squeeze=False)
    for ax, c in zip(axes[0], levels, strict=True):
        for name, by_c in p50_rounds.items():
            ax.plot(range(1, len(by_c[c]) + 1), by_c[c], marker="o", label=name)
        ax.set(xlabel="round", ylabel="p50 ms", title=f"{c} connection(s)", ylim=(0, None))
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svm-dir", default=str(ROOT / "models" / "svm"))
    parser.add_argument("--transformer-dir", default=str(ROOT / "models" / "transformer"))
    parser.add_argument("--seconds", type=float, default=20, help="per target and concurrency")
    parser.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="interleaved segments per target: direct and agent alternate, so drift in the "
        "machine's speed hits both alike",
    )
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument(
        "--think-ms",
        type=int,
        default=0,
        help="pause after each answer: back-to-back requests keep the predictor's caches warm, "
        "which a request every few ms through the agent does not",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "agent.json")
    args = parser.parse_args()
    wrk.require_wrk()
    texts = short_tickets()
    tmp = Path(tempfile.mkdtemp(prefix="bench-agent-"))
    svm = predictor("svm", args.svm_dir, tmp)
    transformer = predictor("transformer", args.transformer_dir, tmp)
    # Threshold 0: no escalation, so every request takes the SVM path.
    front = agent(tmp, svm.url, transformer.url, svm_threshold="0")
    proxy = module_server("bench.proxy", "/healthz", tmp, svm.url)
    segment_s = max(1.0, args.seconds / args.rounds)
    rows: list[dict] = []
    p50_rounds: dict[str, dict[int, list[float]]] = {}
    try:
        svm.start()
        transformer.start()
        front.start()
        proxy.start()
        hinted = [{"text": t, "language": "en"} for t in texts]
        targets = (
            (DIRECT, svm, "/v2/models/callcenter-svm/infer", [v2_body([t]) for t in texts]),
            (PROXY, proxy, "/v1/classify", hinted),
            (HINTED, front, "/v1/classify", hinted),
            (DETECTED, front, "/v1/classify", [{"text": t} for t in texts]),
        )
        print(
            f"{'target':22} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
            f" {'CPU ms/req':>10} {'SVM CPU':>8}"
        )
        for connections in [int(c) for c in args.concurrency.split(",")]:
            segments: dict[str, list[dict]] = {name: [] for name, *_ in targets}
            for k in range(args.rounds):
                for name, server, path, bodies in targets:
                    segments[name].append(
                        measure(server, svm, path, bodies, connections, segment_s, args.think_ms)
                    )
                p50s = "  ".join(f"{name} {segments[name][-1]['p50_ms']:.2f}" for name in segments)
                print(f"  c={connections} round {k + 1}/{args.rounds}: p50 ms {p50s}", flush=True)
            for name, *_ in targets:
                r = combine(segments[name])
                rows.append({"target": name, "connections": connections, **r})
                print(
                    f"{name:22} {connections:>5} {r['rps']:>8.1f} {r['p50_ms']:>8.2f} "
                    f"{r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['cpu_ms_per_request']:>10.3f}"
                    f" {r['svm_cpu_ms_per_request']:>8.3f}",
                    flush=True,
                )
            for name, done in segments.items():
                p50_rounds.setdefault(name, {})[connections] = [s["p50_ms"] for s in done]
    finally:
        for server in (proxy, front, svm, transformer):
            server.stop()
    steps = step_costs(texts)
    # Each round's p50 minus the direct p50 of the same round, then the median of rounds.
    overhead = {
        name: {
            c: round(statistics.median(np.subtract(p50s, p50_rounds[DIRECT][c])), 3)
            for c, p50s in p50_rounds[name].items()
        }
        for name in (PROXY, HINTED, DETECTED)
    }
    agent_cpu = {
        name: {r["connections"]: r["cpu_ms_per_request"] for r in rows if r["target"] == name}
        for name in (PROXY, HINTED, DETECTED)
    }
    summary = {
        "machine": machine(),
        "think_ms": args.think_ms,
        "p50_overhead_ms": overhead,
        "p50_ms_by_round": p50_rounds,
        "agent_cpu_ms_per_request": agent_cpu,
        "in_process_steps": steps,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "p50_ms_by_round"}))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, **summary}, indent=2))
    plot(p50_rounds, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
