"""Accuracy on hand-written live-style tickets (English, French, Arabic) through the real agent.

    python -m bench.live

PII scrubbing, language detection and routing included: this is what a support team sees.
Starts both predictors and the agent; the routing threshold comes from the MLflow registry when
MLFLOW_TRACKING_URI is reachable (as in `make up`), else the agent's default. Writes
bench/results/live.json next to the test-split figures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pandas as pd

from bench.harness import ROOT, agent, predictor

RESULTS = ROOT / "bench" / "results"
LIVE = ROOT / "data" / "live" / "live_tickets.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svm-dir", default=str(ROOT / "models" / "svm"))
    parser.add_argument("--transformer-dir", default=str(ROOT / "models" / "transformer"))
    parser.add_argument("--out", type=Path, default=RESULTS / "live.json")
    args = parser.parse_args()
    live = pd.read_csv(LIVE, keep_default_na=False)
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    svm = predictor("svm", args.svm_dir, tmp)
    transformer = predictor("transformer", args.transformer_dir, tmp)
    extra = {}
    if os.environ.get("MLFLOW_TRACKING_URI"):
        extra["mlflow_tracking_uri"] = os.environ["MLFLOW_TRACKING_URI"]
    front = None
    per_language: dict[str, Counter] = defaultdict(Counter)
    mistakes = []
    try:
        svm.start()
        transformer.start()
        front = agent(tmp, svm.url, transformer.url, **extra).start()
        with httpx.Client(base_url=front.url, timeout=30) as client:
            for row in live.itertuples():
                answer = client.post("/v1/classify", json={"text": row.text}).json()
                counts = per_language[row.language]
                counts["total"] += 1
                counts["correct"] += answer["category"] == row.label
                counts[f"model_{answer['route']['decision']}"] += 1
                if answer["category"] != row.label:
                    mistakes.append(
                        {
                            "language": row.language,
                            "label": row.label,
                            "got": answer["category"],
                            "decision": answer["route"]["decision"],
                        }
                    )
    finally:
        for server in (front, svm, transformer):
            if server is not None:
                server.stop()
    languages = {
        lang: {"accuracy": round(c["correct"] / c["total"], 4), **dict(c)}
        for lang, c in sorted(per_language.items())
    }
    test_split = {}
    for kind in ("svm", "transformer"):
        path = ROOT / "metrics" / f"{kind}.json"
        if path.is_file():
            test_split[kind] = json.loads(path.read_text())["accuracy"]
    router = RESULTS / "router.json"
    if router.is_file():
        test_split["router"] = json.loads(router.read_text())["calibrated"]["accuracy"]
    print(f"{'language':9} {'accuracy':>9} {'tickets':>8}  routes")
    for lang, row in languages.items():
        routes = {k.removeprefix("model_"): v for k, v in row.items() if k.startswith("model_")}
        print(f"{lang:9} {row['accuracy']:>9.3f} {row['total']:>8}  {routes}")
    print(f"test split: {test_split}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"live": languages, "test_split": test_split, "mistakes": mistakes}, indent=2)
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
