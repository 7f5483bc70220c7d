"""Evaluate the PII scrubber on the labelled fixture: precision/recall per language and entity type,
and `scrub` latency, for each way it can run (patterns only, NER behind the gate, NER always).

Run: python -m bench.pii [--cases FILE ...] [--out bench/results/pii.json]

The cases are data/pii/pii_cases.jsonl (names, contact and payment data),
data/pii/pii_id_cases.jsonl (national and employee identifiers, with decoys),
data/pii/dev3/pii_dev3.jsonl (hand-written to be hard, tuned on) and
data/pii/holdout/pii_holdout.jsonl (hand-written, held out); the scrubber runs
with the identifier fixture's organisation staff-number format (`ST-\\d{5}`).

"dev" rows are the tuned-on sets (generated splits "dev" and "dev2", and the hand-written
"dev3"; also reported alone, since the generated ones are easy); "heldout" rows the
hand-written set in data/pii/holdout/, never tuned on: its scores are the estimate for unseen
phrasing and names.
Scoring (overlap, leaks, false positives): devtools/pii_score.py.
Latency is measured on "typical" tickets: fixture cases of one language joined until they reach
~250-400 characters, each scrubbed after a warm-up, one call at a time (run under `taskset -c 0` to
pin one core).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.pii import PiiScrubber, needs_ner
from devtools.pii_score import (
    CASES,
    HELDOUT,
    ORGANISATION_PATTERN,
    evaluate,
    false_positives,
    load_cases,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "pii.json"
LANGS = ("en", "fr", "ar")
MODES: dict[str, dict[str, Any]] = {
    "patterns": {"ner": False},
    "ner_gated": {"ner": True, "ner_gate": True},
    "ner_always": {"ner": True, "ner_gate": False},
}


def typical_tickets(cases: list[dict[str, Any]], lang: str, size: int = 250) -> list[str]:
    """Join consecutive fixture cases of one language until each text has `size`+ characters
    (~330 on average: the length of a typical ticket)."""
    texts, buf = [], ""
    for case in cases:
        if case["language"] != lang:
            continue
        buf = f"{buf} {case['text']}".strip()
        if len(buf) >= size:
            texts.append(buf)
            buf = ""
    return texts


def latency(scrubber: PiiScrubber, texts: list[str], lang: str | None, repeat: int = 3) -> dict:
    """p50/p95 of single `scrub` calls in milliseconds: wall clock, and CPU time of the calling
    thread (what the call costs on a core of its own, unaffected by other load)."""
    for text in texts[:20]:
        scrubber.scrub(text, lang)
    wall, cpu = [], []
    for _ in range(repeat):
        for text in texts:
            c0, t0 = time.thread_time(), time.perf_counter()
            scrubber.scrub(text, lang)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    wall.sort()
    cpu.sort()
    return {
        "n": len(wall),
        "chars_mean": round(statistics.mean(len(t) for t in texts), 1),
        "p50_ms": round(wall[len(wall) // 2], 3),
        "p95_ms": round(wall[int(len(wall) * 0.95)], 3),
        "cpu_p50_ms": round(cpu[len(cpu) // 2], 3),
        "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95)], 3),
    }


def print_table(results: dict[str, Any]) -> None:
    """One line per split, mode, language and type: P, R, leaks, counts."""
    print(
        f"{'split':<8} {'mode':<12} {'lang':<4} {'type':<10} {'prec':>6} {'recall':>6} "
        f"{'leaks':>5} {'gold':>5} {'pred':>5}"
    )
    for split in ("quality", "dev3", "heldout"):
        for mode, res in results[split].items():
            for lang, per_type in res.items():
                for etype, m in per_type.items():
                    print(
                        f"{'dev' if split == 'quality' else split:<8} {mode:<12} {lang:<4} "
                        f"{etype:<10} {m['precision']:>6.3f} {m['recall']:>6.3f} "
                        f"{m['leaks']:>5} {m['gold']:>5} {m['pred']:>5}"
                    )
    print(f"\n{'mode':<12} {'lang':<4} {'chars':>6} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>7}")
    for mode, per_lang in results["latency"].items():
        for lang, m in per_lang.items():
            print(
                f"{mode:<12} {lang:<4} {m['chars_mean']:>6} {m['p50_ms']:>7.3f} "
                f"{m['p95_ms']:>7.3f} {m['cpu_p50_ms']:>7.3f}"
            )
    print("\nNER gate fires on:", results["gate_rate"])
    print("\nfalse-positive spans (overlapping no gold span):")
    for mode, per_split in results["false_positives"].items():
        for split, m in per_split.items():
            print(
                f"{mode:<12} {split:<8} {m['spans']:>4} spans in {m['tickets']} tickets "
                f"({m['spans_per_150_tickets']} per 150); {m['spans_on_tickets_without_pii']} on "
                f"the {m['tickets_without_pii']} tickets without PII"
            )
    print("\nlatency on tickets without name candidates (NER gate shut):")
    for mode, per_lang in results["latency_no_name_candidates"].items():
        for lang, m in per_lang.items():
            print(f"{mode:<12} {lang:<4} n={m['n']:<4} p50 {m['p50_ms']:.3f} ms")


def run(cases_paths: Iterable[Path] = CASES, out: Path | None = OUT) -> dict[str, Any]:
    """Evaluate every mode, measure latency, write the JSON report."""
    cases = load_cases(cases_paths)
    results: dict[str, Any] = {
        "quality": {},
        "dev3": {},
        "heldout": {},
        "false_positives": {},
        "latency": {},
        "latency_no_name_candidates": {},
        "gate_rate": {},
    }
    heldout = [c for c in cases if c.get("split") == HELDOUT]
    dev = [c for c in cases if c.get("split") != HELDOUT]
    dev3 = [c for c in cases if c.get("split") == "dev3"]
    no_candidates = {
        lang: [t for t in typical_tickets(cases, lang) if not needs_ner(t)] for lang in LANGS
    }
    for mode, kwargs in MODES.items():
        scrubber = PiiScrubber(**kwargs, employee_id_pattern=ORGANISATION_PATTERN)
        results["quality"][mode] = evaluate(scrubber, dev)
        results["dev3"][mode] = evaluate(scrubber, dev3)
        results["heldout"][mode] = evaluate(scrubber, heldout)
        results["false_positives"][mode] = {
            "dev": false_positives(scrubber, dev),
            "dev3": false_positives(scrubber, dev3),
            "heldout": false_positives(scrubber, heldout),
        }
        results["latency"][mode] = {
            lang: latency(scrubber, typical_tickets(cases, lang), lang) for lang in LANGS
        }
        # The PII step on tickets where the NER gate stays shut: what most tickets cost.
        results["latency_no_name_candidates"][mode] = {
            lang: latency(scrubber, texts, lang) for lang, texts in no_candidates.items() if texts
        }
        if mode == "patterns":
            results["quality"]["unknown_lang"] = evaluate(scrubber, dev, as_unknown=True)
            results["latency"]["unknown_lang"] = {
                "all": latency(
                    scrubber, [t for g in LANGS for t in typical_tickets(cases, g)], None
                )
            }
    for lang in ("en", "fr"):  # the gate only matters where there is a NER model
        texts = typical_tickets(cases, lang)
        no_name = [
            c["text"]
            for c in cases
            if c["language"] == lang and not any(e["type"] == "PERSON" for e in c["entities"])
        ]
        results["gate_rate"][lang] = {
            "typical_tickets": round(sum(map(needs_ner, texts)) / len(texts), 3),
            "cases_without_names": round(sum(map(needs_ner, no_name)) / len(no_name), 3),
        }
    results["machine"] = {
        "python": platform.python_version(),
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, nargs="+", default=list(CASES))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    print_table(run(args.cases, args.out))


if __name__ == "__main__":
    main()
