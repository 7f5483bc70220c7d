"""Agent overhead on the SVM path: the agent vs the SVM predictor called directly, one run.

    python -m bench.agent [--seconds 10]

Starts both predictors and the agent (threshold 0, so nothing escalates), sends the same short
English test-split tickets to the agent's /v1/classify (with and without a language hint, which
spares the agent its language detection) and straight to the predictor's v2 endpoint with wrk,
and times the agent's in-process steps (language detection, PII scrubbing) alone. Writes
bench/results/agent.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from agent.language import LanguageDetector
from agent.pii import PiiScrubber
from bench import wrk
from bench.harness import ROOT, agent, machine, predictor
from bench.predictors import tickets, v2_body

RESULTS = ROOT / "bench" / "results"
DIRECT = "svm direct"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svm-dir", default=str(ROOT / "models" / "svm"))
    parser.add_argument("--transformer-dir", default=str(ROOT / "models" / "transformer"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--out", type=Path, default=RESULTS / "agent.json")
    args = parser.parse_args()
    wrk.require_wrk()
    texts = short_tickets()
    tmp = Path(tempfile.mkdtemp(prefix="bench-agent-"))
    svm = predictor("svm", args.svm_dir, tmp)
    transformer = predictor("transformer", args.transformer_dir, tmp)
    # Threshold 0: no escalation, so every request takes the SVM path.
    front = agent(tmp, svm.url, transformer.url, svm_threshold="0")
    rows = []
    try:
        svm.start()
        transformer.start()
        front.start()
        targets = (
            (DIRECT, svm, "/v2/models/callcenter-svm/infer", [v2_body([t]) for t in texts]),
            (HINTED, front, "/v1/classify", [{"text": t, "language": "en"} for t in texts]),
            (DETECTED, front, "/v1/classify", [{"text": t} for t in texts]),
        )
        print(
            f"{'target':22} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
            f" {'CPU ms/req':>10}"
        )
        for connections in [int(c) for c in args.concurrency.split(",")]:
            for name, server, path, bodies in targets:
                cpu = server.cpu_seconds()
                r = wrk.run(server.url, path, bodies, connections, args.seconds)
                # CPU of the process wrk talks to: the agent's own cost, or the SVM's.
                r["cpu_ms_per_request"] = round(
                    1000 * (server.cpu_seconds() - cpu) / max(r["requests"], 1), 3
                )
                rows.append({"target": name, "connections": connections, **r})
                print(
                    f"{name:22} {connections:>5} {r['rps']:>8.1f} {r['p50_ms']:>8.2f} "
                    f"{r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['cpu_ms_per_request']:>10.3f}",
                    flush=True,
                )
    finally:
        for server in (front, svm, transformer):
            server.stop()
    steps = step_costs(texts)
    p50 = {(r["target"], r["connections"]): r["p50_ms"] for r in rows}
    overhead = {
        name: {c: round(p50[name, c] - p50[DIRECT, c], 3) for c in sorted({c for _, c in p50})}
        for name in (HINTED, DETECTED)
    }
    agent_cpu = {
        name: {r["connections"]: r["cpu_ms_per_request"] for r in rows if r["target"] == name}
        for name in (HINTED, DETECTED)
    }
    summary = {
        "machine": machine(),
        "p50_overhead_ms": overhead,
        "agent_cpu_ms_per_request": agent_cpu,
        "in_process_steps": steps,
    }
    print(json.dumps(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, **summary}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
