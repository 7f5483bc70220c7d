"""Reading and validating ticket CSV files.

Errors name the file, the row and the problem in one line, because the people who hit them are
looking at a CSV someone exported, not at our code.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

TEXT = "Document"
LABEL = "Topic_group"


class DataError(ValueError):
    """Bad input data; the message is meant to be shown to the user as is."""


def read_tickets(
    path: Path,
    labels: list[str],
    text_column: str = TEXT,
    label_column: str = LABEL,
    max_text_chars: int = 20000,
) -> pd.DataFrame:
    """Load a labelled ticket CSV, refusing anything the pipelines could silently mis-learn."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}: line {line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}); re-export the file as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise DataError(f"{path}: no header row")
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(header)}"
        )
    ti, li = header.index(text_column), header.index(label_column)
    known = set(labels)
    texts: list[str] = []
    targets: list[str] = []
    for row_number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(f"{path}: row {row_number}: {len(row)} fields, expected {len(header)}")
        doc, label = row[ti].strip(), row[li].strip()
        if not doc:
            raise DataError(f"{path}: row {row_number}: empty {text_column}")
        if len(doc) > max_text_chars:
            raise DataError(
                f"{path}: row {row_number}: {text_column} has {len(doc)} characters "
                f"(limit {max_text_chars})"
            )
        if label not in known:
            raise DataError(
                f"{path}: row {row_number}: unknown label {label!r}; expected one of "
                f"{', '.join(sorted(known))}"
            )
        texts.append(doc)
        targets.append(label)
    if not texts:
        raise DataError(f"{path}: header only, no data rows")
    return pd.DataFrame({TEXT: texts, LABEL: targets})


def write_tickets(frame: pd.DataFrame, path: Path) -> None:
    """Write with the input's own column names so every stage and benchmark reads splits alike."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[[TEXT, LABEL]].to_csv(path, index=False)
