"""Throughput and latency of the predictors against a bare FastAPI endpoint, in one run.

    python -m bench.predictors [--seconds 10] [--concurrency 1,16,32]

First, in-process: the SVM's two serving paths (`svm_backend` linear and sklearn) on one ticket
at a time and on batches of 32, and their agreement on the whole test split (labels, largest
probability difference). Then over HTTP: the bare endpoint (the practical ceiling), a KServe
server with a constant-answer model (the ceiling for any KServe predictor), the same constant
model answering the SVM's whole five-output contract (the ceiling for that answer), the SVM
predictor on both paths and the transformer predictor on free ports, each driven with wrk at
several concurrencies with single real tickets and batches of 32. Prints tables and writes
bench/results/predictors.json and predictors.png.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench import wrk
from devtools.harness import ROOT, machine, module_server, predictor

RESULTS = ROOT / "bench" / "results"


def tickets(limit: int | None = 640) -> list[str]:
    path = ROOT / "data" / "splits" / "test.csv"
    frame = pd.read_csv(path if path.is_file() else ROOT / "data" / "sample.csv")
    column = frame["Document"].astype(str)
    return (column if limit is None else column.head(limit)).tolist()


def svm_in_process(svm_dir: str) -> dict:
    """Per-call cost and agreement of the SVM's two paths, without HTTP around them."""
    import mlflow.sklearn

    from contract.normalize import normalize
    from contract.svm_runtime import LinearScorer

    scorer = LinearScorer(mlflow.sklearn.load_model(svm_dir))
    texts = [normalize(t) for t in tickets(limit=None)]
    paths = {"linear": scorer.scores_normalized, "sklearn": scorer.sklearn_scores_normalized}
    out: dict = {"tickets": len(texts)}
    for name, run in paths.items():
        run(texts[:64])  # warm-up
        single = []
        for text in texts[:2000]:
            started = time.perf_counter()
            run([text])
            single.append(time.perf_counter() - started)
        started = time.perf_counter()
        batches = [texts[i : i + 32] for i in range(0, 640, 32)]
        for batch in batches:
            run(batch)
        out[name] = {
            "single_p50_ms": round(1000 * float(np.median(single)), 4),
            "single_p99_ms": round(1000 * float(np.percentile(single, 99)), 4),
            "batch32_ms": round(1000 * (time.perf_counter() - started) / len(batches), 3),
        }
    fast, reference = (paths[name](texts) for name in ("linear", "sklearn"))
    out["labels_equal"] = float(
        np.mean(fast.probabilities.argmax(1) == reference.probabilities.argmax(1))
    )
    out["max_probability_diff"] = float(np.abs(fast.probabilities - reference.probabilities).max())
    out["keywords_equal"] = float(
        np.mean([a == b for a, b in zip(fast.keywords, reference.keywords, strict=True)])
    )
    print(f"{'svm path':8} {'1 ticket p50 ms':>16} {'p99 ms':>8} {'batch of 32 ms':>15}")
    for name in paths:
        row = out[name]
        print(
            f"{name:8} {row['single_p50_ms']:>16.3f} {row['single_p99_ms']:>8.3f} "
            f"{row['batch32_ms']:>15.2f}"
        )
    print(
        f"whole test split ({len(texts)} tickets): labels equal {out['labels_equal']:.4f}, "
        f"largest probability difference {out['max_probability_diff']:.2e}, "
        f"keywords equal {out['keywords_equal']:.4f}",
        flush=True,
    )
    return out


def v2_body(texts: list[str]) -> dict:
    return {"inputs": [{"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}]}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for (target, payload), group in pd.DataFrame(rows).groupby(["target", "payload"]):
        style = "-" if payload == "single" else "--"
        left.plot(
            group["connections"], group["rps"], style, marker="o", label=f"{target} {payload}"
        )
        right.plot(
            group["connections"], group["p99_ms"], style, marker="o", label=f"{target} {payload}"
        )
    left.set(xlabel="concurrent connections", ylabel="requests/s", yscale="log", title="throughput")
    right.set(xlabel="concurrent connections", ylabel="p99 ms", yscale="log", title="p99 latency")
    left.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svm-dir", default=str(ROOT / "models" / "svm"))
    parser.add_argument("--transformer-dir", default=str(ROOT / "models" / "transformer"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,16,32")
    parser.add_argument("--out", type=Path, default=RESULTS / "predictors.json")
    args = parser.parse_args()
    wrk.require_wrk()
    in_process = svm_in_process(args.svm_dir)
    levels = [int(c) for c in args.concurrency.split(",")]
    texts = tickets()
    payloads = {
        "single": [v2_body([t]) for t in texts[:200]],
        "batch32": [v2_body(texts[i : i + 32]) for i in range(0, 640, 32)],
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    servers = {
        "bare": (module_server("bench.bare", "/ready", tmp), "/v2/models/bare/infer"),
        "kserve-constant": (
            module_server("bench.kserve_constant", "/v2/models/constant/ready", tmp),
            "/v2/models/constant/infer",
        ),
        # The same, answering the SVM's whole contract (five outputs): the ceiling for this answer.
        "kserve-contract": (
            module_server("bench.kserve_constant", "/v2/models/constant/ready", tmp, "--contract"),
            "/v2/models/constant/infer",
        ),
        "svm": (predictor("svm", args.svm_dir, tmp), "/v2/models/callcenter-svm/infer"),
        "svm-sklearn": (
            predictor("svm", args.svm_dir, tmp, "--svm_backend", "sklearn"),
            "/v2/models/callcenter-svm/infer",
        ),
        "transformer": (
            predictor("transformer", args.transformer_dir, tmp),
            "/v2/models/callcenter-transformer/infer",
        ),
    }
    rows: list[dict] = []
    try:
        for name, (server, _) in servers.items():
            print(f"starting {name} ...", flush=True)
            server.start()
        print(
            f"{'target':16} {'payload':8} {'conns':>5} {'req/s':>9} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'p99 ms':>8} {'vs bare':>8}",
            flush=True,
        )
        for payload, bodies in payloads.items():
            for connections in levels:
                bare_rps = None
                for name, (server, path) in servers.items():
                    result = wrk.run(server.url, path, bodies, connections, args.seconds)
                    bare_rps = result["rps"] if name == "bare" else bare_rps
                    row = {
                        "target": name,
                        "payload": payload,
                        "connections": connections,
                        **{k: round(result[k], 2) for k in ("rps", "p50_ms", "p95_ms", "p99_ms")},
                        "errors": result["errors"],
                        "rps_vs_bare": round(result["rps"] / bare_rps, 3),
                    }
                    rows.append(row)
                    print(
                        f"{name:16} {payload:8} {connections:>5} {row['rps']:>9.1f} "
                        f"{row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                        f"{row['rps_vs_bare']:>8.3f}",
                        flush=True,
                    )
    finally:
        for server, _ in servers.values():
            server.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": machine(),
                "svm_in_process": in_process,
                "seconds": args.seconds,
                "rows": rows,
            },
            indent=2,
        )
    )
    plot(rows, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
