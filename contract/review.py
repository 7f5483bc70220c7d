"""The review store's tables, as both sides read them: the agent writes answers and feedback
(agent/store.py, schema by its Alembic migrations), the export stage reads corrections back into
training (pipelines/export_feedback.py) with plain SQL and no agent code."""

from __future__ import annotations

ANSWERS = "answers"  # one row per answer: request_id, redacted_text, category, model, band...
FEEDBACK = "feedback"  # one row per reviewed answer: request_id, category, verdict, created_at
CONFIRMED, CORRECTED = "confirmed", "corrected"

# Reviewed answers as training rows: the redacted text and the category a person gave it.
# Built from the two table-name constants above, never from input: nothing to inject.
REVIEWED_SQL = (
    f"SELECT a.request_id, a.redacted_text, f.category, f.verdict, f.created_at "  # nosec B608
    f"FROM {ANSWERS} a JOIN {FEEDBACK} f ON f.request_id = a.request_id "
    f"ORDER BY f.created_at"
)
