"""Build a labelled PII set (JSON lines) from hand-written markup (stdlib only, Python 3.11).

Used for every hand-written set, so that they share one format and one set of checks:
data/pii/holdout/ (split "heldout") and data/pii/dev3/ (split "dev3").

The markup file: blocks separated by a line holding only `---`; the first non-empty line of a block
is `lang: en|fr|ar`; personal values are marked inline as [[TYPE|value]]. HTML comments
(<!-- ... -->) are ignored. The markup is removed and exact character offsets are recorded.

Validation (the build fails on any error): known types only, no stray markup, CARD values pass
Luhn, IBAN values pass ISO 13616 mod-97 (and the country length), and the national IDs whose
format has a public checksum are checked (French NIR key, Saudi ID / iqama Luhn, Emirates ID
Luhn, US SSN area/group/serial, UK NINO prefix). Prints a count table per language x type.

Run: python -m devtools.pii_markup SRC.md [SRC.md ...] --out OUT.jsonl --split SPLIT
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

TYPES = [
    "PERSON",
    "EMAIL",
    "PHONE",
    "IBAN",
    "CARD",
    "IP_ADDRESS",
    "URL",
    "NATIONAL_ID",
    "EMPLOYEE_ID",
]
LANGS = ["en", "fr", "ar"]
MARK = re.compile(r"\[\[([A-Z_]+)\|(.+?)\]\]", re.S)
IBAN_LEN = {"FR": 27, "MA": 28, "TN": 24, "SA": 24, "AE": 23, "GB": 22, "DZ": 26, "EG": 29}
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    s = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s):
        return False
    if IBAN_LEN.get(s[:2]) not in (None, len(s)):
        return False
    num = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(num) % 97 == 1


def national_id_problem(value: str) -> str | None:
    """Checks the formats with a public checksum or structure; None when fine."""
    v = value.translate(ARABIC_DIGITS)
    compact = re.sub(r"[\s-]", "", v)
    if re.fullmatch(r"[12]\d{4}(?:\d{2}|2[AB])\d{8}", compact):  # French NIR + key
        base = compact[:13].replace("2A", "19").replace("2B", "18")
        if 97 - int(base) % 97 != int(compact[13:]):
            return "bad NIR key"
        return None
    if re.fullmatch(r"784\d{12}", compact):
        return None if luhn_ok(compact) else "bad Emirates ID Luhn"
    if re.fullmatch(r"[12]\d{9}", compact):
        return None if luhn_ok(compact) else "bad Saudi ID Luhn"
    m = re.fullmatch(r"(\d{3})[- ]?(\d{2})[- ]?(\d{4})", v)
    if m:
        a, g, s = m.groups()
        if a in ("000", "666") or a[0] == "9" or g == "00" or s == "0000":
            return "invalid SSN"
        return None
    m = re.fullmatch(r"([A-Z])([A-Z])\d{6}[A-D]", compact)
    if m:
        p1, p2 = m.groups()
        if (
            p1 in "DFIQUV"
            or p2 in "DFIOQUV"
            or p1 + p2 in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
        ):
            return "invalid NINO prefix"
        return None
    if re.fullmatch(r"[23]\d{13}", compact):  # Egyptian national number: century + YYMMDD
        mm, dd = int(compact[3:5]), int(compact[5:7])
        return None if 1 <= mm <= 12 and 1 <= dd <= 31 else "bad Egyptian birth date"
    if re.fullmatch(r"[A-Z]{1,2}\d{4,6}", compact):  # Moroccan CIN
        return None
    if re.fullmatch(r"\d{8}", compact) or re.fullmatch(r"\d{18}", compact):  # TN CIN, DZ NIN
        return None
    return "unrecognised national ID format"


def parse_block(block: str, where: str, split: str) -> dict:
    lines = block.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    head = lines.pop(0).strip() if lines else ""
    m = re.fullmatch(r"lang:\s*(en|fr|ar)", head)
    if not m:
        raise ValueError(f"{where}: bad header {head!r}")
    raw = "\n".join(lines).strip()
    text_parts, entities, pos, out_len = [], [], 0, 0
    for mk in MARK.finditer(raw):
        chunk = raw[pos : mk.start()]
        text_parts.append(chunk)
        out_len += len(chunk)
        etype, value = mk.group(1), mk.group(2)
        entities.append({"type": etype, "start": out_len, "end": out_len + len(value)})
        text_parts.append(value)
        out_len += len(value)
        pos = mk.end()
    text_parts.append(raw[pos:])
    text = "".join(text_parts)
    return {
        "text": text,
        "language": m.group(1),
        "entities": entities,
        "split": split,
        "kind": "handwritten",
    }


def validate(rec: dict, where: str) -> list[str]:
    errors = []
    text = rec["text"]
    if "[[" in text or "]]" in text:
        errors.append(f"{where}: stray markup in text")
    if not text.strip():
        errors.append(f"{where}: empty text")
    for e in rec["entities"]:
        value = text[e["start"] : e["end"]]
        tag = f"{where}: {e['type']} {value!r}"
        if e["type"] not in TYPES:
            errors.append(f"{tag}: unknown type")
            continue
        if value != value.strip() or not value:
            errors.append(f"{tag}: value has surrounding whitespace")
        if e["type"] == "CARD":
            digits = re.sub(r"[\s-]", "", value)
            if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_ok(digits):
                errors.append(f"{tag}: fails Luhn")
        elif e["type"] == "IBAN" and not iban_ok(value):
            errors.append(f"{tag}: fails mod-97")
        elif e["type"] == "NATIONAL_ID":
            problem = national_id_problem(value)
            if problem:
                errors.append(f"{tag}: {problem}")
        elif e["type"] == "EMAIL" and not re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", value):
            errors.append(f"{tag}: not an e-mail")
        elif e["type"] == "IP_ADDRESS":
            parts = value.split(".")
            if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
                errors.append(f"{tag}: not IPv4")
        elif e["type"] == "URL" and not re.fullmatch(r"[a-z]+://[^\s:@/]+:[^\s@]+@\S+", value):
            errors.append(f"{tag}: not a credential URL")
        elif (
            e["type"] == "EMPLOYEE_ID"
            and value.startswith("ST-")
            and not re.fullmatch(r"ST-\d{5}", value)
        ):
            errors.append(f"{tag}: ST- must be followed by exactly 5 digits")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, nargs="+", help="markup files, read in order")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--split", required=True, help='the "split" every record carries')
    args = parser.parse_args()
    src = "\n---\n".join(p.read_text(encoding="utf-8") for p in args.src)
    src = re.sub(r"<!--.*?-->", "", src, flags=re.S)
    blocks = [b for b in re.split(r"^---[ \t]*$", src, flags=re.M) if b.strip()]
    records, errors = [], []
    for i, block in enumerate(blocks, 1):
        where = f"ticket {i}"
        try:
            rec = parse_block(block, where, args.split)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        errors.extend(validate(rec, where))
        records.append(rec)
    texts = Counter(r["text"] for r in records)
    errors.extend(f"duplicate ticket text: {t[:40]!r}" for t, n in texts.items() if n > 1)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{len(errors)} error(s); {args.out} not written", file=sys.stderr)
        return 1
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    counts = Counter((r["language"], e["type"]) for r in records for e in r["entities"])
    tickets = Counter(r["language"] for r in records)
    empty = Counter(r["language"] for r in records if not r["entities"])
    cols = [*LANGS, "total"]
    print(f"{'':<14}" + "".join(f"{c:>7}" for c in cols))
    rows = [("tickets", tickets), ("no entity", empty)] + [
        (t, {lang: counts[(lang, t)] for lang in LANGS}) for t in TYPES
    ]
    for name, row in rows:
        vals = [row.get(lang, 0) for lang in LANGS]
        print(f"{name:<14}" + "".join(f"{v:>7}" for v in [*vals, sum(vals)]))
    spans = [sum(counts[(lang, t)] for t in TYPES) for lang in LANGS]
    print(f"{'all spans':<14}" + "".join(f"{v:>7}" for v in [*spans, sum(spans)]))
    print(f"wrote {len(records)} tickets to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
