"""Export what reviewers confirmed or corrected into a training file: corrections flow back.

Reads the agent's review store (`CCAI_PIPELINE_REVIEW_STORE_URL`, the same database as
`CCAI_AGENT_STORE_URL`) with plain SQL on the tables named in `contract.review`, and writes
`data/feedback/feedback.csv` (the splits' columns: redacted text, label) and a manifest. The
training stages add these rows to the train split (`feedback.repeat` times each).

Never into the held-out data: a ticket whose normalised text is in the validation or test split is
dropped (a reviewer may see a ticket the evaluation also scores). Tickets reviewed twice keep their
latest label; labels outside `data.labels` are dropped. The text is the store's, already redacted.
Without a store URL the file is written empty, so the training stages always find it.
`make feedback` re-runs this stage and retrains; a plain `dvc repro` does not query the database.
"""

from __future__ import annotations

import json
import logging
import time

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from contract.normalize import normalize
from contract.review import REVIEWED_SQL
from pipelines.cli import run
from pipelines.data import LABEL, TEXT
from pipelines.params import Params, PipelineSettings
from pipelines.prepare import read_split

log = logging.getLogger("pipelines.export_feedback")


def reviewed_rows(url: str) -> list[dict]:
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(text(REVIEWED_SQL))]
    finally:
        engine.dispose()


def export(settings: PipelineSettings, params: Params) -> dict:
    rows = reviewed_rows(settings.review_store_url) if settings.review_store_url else []
    held_out = {
        normalize(t) for name in ("val", "test") for t in read_split(settings.splits_dir, name)[0]
    }
    labels = set(params.data.labels)
    latest: dict[str, dict] = {}  # by normalised text; rows come oldest feedback first
    dropped = {"held_out": 0, "unknown_label": 0, "duplicate": 0, "empty": 0}
    for row in rows:
        key = normalize(row["redacted_text"])
        if not key:
            dropped["empty"] += 1
        elif key in held_out:
            dropped["held_out"] += 1
        elif row["category"] not in labels:
            dropped["unknown_label"] += 1
        else:
            dropped["duplicate"] += key in latest
            latest[key] = row
    kept = list(latest.values())
    out = settings.feedback_path
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {TEXT: [r["redacted_text"] for r in kept], LABEL: [r["category"] for r in kept]},
        columns=[TEXT, LABEL],
    ).to_csv(out, index=False)
    manifest = {
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # Where from, without credentials.
        "source": (
            make_url(settings.review_store_url).render_as_string(hide_password=True)
            if settings.review_store_url
            else None
        ),
        "reviewed": len(rows),
        "rows": len(kept),
        "corrected": sum(r["verdict"] == "corrected" for r in kept),
        "confirmed": sum(r["verdict"] == "confirmed" for r in kept),
        "dropped": dropped,
        "labels": pd.Series([r["category"] for r in kept], dtype=str).value_counts().to_dict(),
    }
    out.with_name("manifest.json").write_text(json.dumps(manifest, indent=2))
    log.info(
        "%d reviewed tickets -> %d training rows in %s (dropped %s)",
        len(rows),
        len(kept),
        out,
        dropped,
    )
    return manifest


def main() -> None:
    settings = PipelineSettings()
    export(settings, settings.params())


if __name__ == "__main__":
    run(main)
