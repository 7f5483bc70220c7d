"""Scores the PII scrubber against the labelled PII sets (data/pii/): what bench.pii reports and
tests/agent/test_pii.py holds to floors, computed once.

A predicted span counts for a gold span of the same type when they overlap. Overlap is lenient
(a name found as "Mohammed" for gold "Mohammed Al-Otaibi" counts), so `leaks` also reports how many
gold spans kept at least one character outside every predicted span (what a reader still sees).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.pii import PLACEHOLDERS, Entity, PiiScrubber

ROOT = Path(__file__).resolve().parents[1]
# Built by devtools/make_pii_cases.py and make_pii_id_cases.py (names, contact and payment data;
# national and employee identifiers with decoys; splits "dev" and "dev2", both tuned on), a
# hand-written development set (split "dev3", data/pii/dev3/: written to be hard, tuned on) and
# the hand-written held-out set (split "heldout", data/pii/holdout/: nothing is tuned on it).
CASES = (
    ROOT / "data" / "pii" / "pii_cases.jsonl",
    ROOT / "data" / "pii" / "pii_id_cases.jsonl",
    ROOT / "data" / "pii" / "dev3" / "pii_dev3.jsonl",
    ROOT / "data" / "pii" / "holdout" / "pii_holdout.jsonl",
)
HELDOUT = "heldout"
ORGANISATION_PATTERN = r"ST-\d{5}"  # the staff-number format pii_id_cases.jsonl uses


def load_cases(paths: Path | Iterable[Path] = CASES) -> list[dict[str, Any]]:
    """The fixtures, one case per line: text, language, entities [{type, start, end}]."""
    cases = []
    for path in [paths] if isinstance(paths, Path) else paths:
        with path.open(encoding="utf-8") as f:
            cases += [json.loads(line) for line in f if line.strip()]
    return cases


def false_positives(scrubber: PiiScrubber, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Predicted spans that overlap no gold span, per 150 tickets; and on tickets without PII."""
    spans = clean_spans = clean = 0
    for case in cases:
        pred = scrubber.analyze(case["text"], case["language"])
        wrong = [
            p
            for p in pred
            if not any(p.start < g["end"] and g["start"] < p.end for g in case["entities"])
        ]
        spans += len(wrong)
        if not case["entities"]:
            clean += 1
            clean_spans += len(pred)
    return {
        "tickets": len(cases),
        "spans": spans,
        "spans_per_150_tickets": round(150 * spans / max(1, len(cases)), 2),
        "tickets_without_pii": clean,
        "spans_on_tickets_without_pii": clean_spans,
    }


def _overlap(a: Entity, b: dict[str, Any]) -> bool:
    return a.type == b["type"] and a.start < b["end"] and b["start"] < a.end


def evaluate(
    scrubber: PiiScrubber, cases: Iterable[dict[str, Any]], as_unknown: bool = False
) -> dict[str, dict[str, dict[str, float]]]:
    """Per language, per type: gold, predicted, matched counts, precision, recall, leaks."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"gold": 0, "pred": 0, "tp_gold": 0, "tp_pred": 0, "leaks": 0})
    )
    for case in cases:
        lang = case["language"]
        pred = scrubber.analyze(case["text"], None if as_unknown else lang)
        for g in case["entities"]:
            c = counts[lang][g["type"]]
            c["gold"] += 1
            c["tp_gold"] += any(_overlap(p, g) for p in pred)
            covered = set()
            for p in pred:
                covered.update(range(p.start, p.end))
            chars = [i for i in range(g["start"], g["end"]) if not case["text"][i].isspace()]
            c["leaks"] += any(i not in covered for i in chars)
        for p in pred:
            c = counts[lang][p.type]
            c["pred"] += 1
            c["tp_pred"] += any(_overlap(p, g) for g in case["entities"])
    report: dict[str, dict[str, dict[str, float]]] = {}
    for lang, per_type in sorted(counts.items()):
        report[lang] = {}
        for etype in PLACEHOLDERS:
            c = per_type.get(etype)
            if not c or not (c["gold"] or c["pred"]):
                continue
            report[lang][etype] = {
                **c,
                "precision": round(c["tp_pred"] / c["pred"], 4) if c["pred"] else 1.0,
                "recall": round(c["tp_gold"] / c["gold"], 4) if c["gold"] else 1.0,
            }
    return report
