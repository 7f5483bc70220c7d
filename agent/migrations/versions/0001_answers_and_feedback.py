"""Answers (redacted) and the feedback people give on them.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("request_id", sa.String(160), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("category", sa.String(120), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("redacted_text", sa.Text, nullable=False),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_index("ix_answers_band", "answers", ["band"])
    op.create_table(
        "feedback",
        sa.Column(
            "request_id",
            sa.String(160),
            sa.ForeignKey("answers.request_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.String(120), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_index("ix_answers_band", "answers")
    op.drop_index("ix_answers_created_at", "answers")
    op.drop_table("answers")
