"""The review store: every answer (redacted), what waits for a person, and their corrections.

SQLAlchemy 2 over SQLite (a file, zero set-up, the local default) or PostgreSQL (the chart); the
schema is Alembic's (`agent/migrations`), upgraded when the agent starts. Only the redacted text
is ever written: the PII scrubber runs before anything reaches this module, and a reviewer's note
is scrubbed too. Calls are synchronous; the agent runs them in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from contract.review import ANSWERS, CONFIRMED, CORRECTED, FEEDBACK

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    pass


class AnswerRow(Base):
    __tablename__ = ANSWERS

    request_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    model: Mapped[str] = mapped_column(String(120))
    model_version: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(120))
    confidence: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    # The answering model's label set: a correction must name one of these.
    categories: Mapped[str] = mapped_column(Text)
    redacted_text: Mapped[str] = mapped_column(Text)


class FeedbackRow(Base):
    __tablename__ = FEEDBACK

    request_id: Mapped[str] = mapped_column(
        String(160), ForeignKey(f"{ANSWERS}.request_id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(120))
    verdict: Mapped[str] = mapped_column(String(16))  # confirmed / corrected
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # redacted
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Stored:
    """What the agent hands the store for one answer (all of it already redacted)."""

    request_id: str
    model: str
    model_version: str
    category: str
    confidence: float
    band: str
    reason: str
    language: str
    categories: list[str]
    redacted_text: str


@dataclass(frozen=True)
class MixCounts:
    """What the desk's category mix is estimated from (agent/traffic_mix.py).

    `auto`: answers in the auto band by category (a reviewer's category where one checked it);
    `review_total`: answers in the review band; `reviewed`: those a person answered, by the
    person's category. People review the review band, not a sample of all traffic, so the two
    bands are counted apart and the reviewed share stands for its whole band.
    """

    auto: dict[str, int]
    review_total: int
    reviewed: dict[str, int]


class UnknownRequest(LookupError):
    """No stored answer has this request id (404)."""


class UnknownCategory(ValueError):
    """Not a category of the model that answered (422)."""


class AlreadyReviewed(RuntimeError):
    """The answer has feedback already and `replace` was not asked for (409)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ReviewStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.migrated = False
        connect_args = {"timeout": 5} if url.startswith("sqlite") else {"connect_timeout": 3}
        self.engine: Engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self) -> None:
        """Bring the schema to Alembic's head (idempotent; run at start-up)."""
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        self.migrated = True

    def record(self, answers: list[Stored]) -> None:
        """Write answers; a request id seen before (a client retrying) keeps its first answer."""
        if not self.migrated:  # the database was down when the agent started
            self.migrate()
        with Session(self.engine) as session, session.begin():
            ids = [a.request_id for a in answers]
            seen = set(
                session.scalars(select(AnswerRow.request_id).where(AnswerRow.request_id.in_(ids)))
            )
            created = now()
            for a in answers:
                if a.request_id in seen:
                    continue
                seen.add(a.request_id)
                session.add(
                    AnswerRow(
                        request_id=a.request_id,
                        created_at=created,
                        model=a.model,
                        model_version=a.model_version,
                        category=a.category,
                        confidence=a.confidence,
                        band=a.band,
                        reason=a.reason,
                        language=a.language,
                        categories=",".join(a.categories),
                        redacted_text=a.redacted_text,
                    )
                )

    def pending(self, band: str | None, limit: int) -> list[dict]:
        """Answers without feedback, newest first (the review queue)."""
        query = (
            select(AnswerRow)
            .outerjoin(FeedbackRow, FeedbackRow.request_id == AnswerRow.request_id)
            .where(FeedbackRow.request_id.is_(None))
            .order_by(AnswerRow.created_at.desc(), AnswerRow.request_id)
            .limit(limit)
        )
        if band:
            query = query.where(AnswerRow.band == band)
        with Session(self.engine) as session:
            return [_answer(row) for row in session.scalars(query)]

    def queue_length(self) -> int:
        query = (
            select(func.count())
            .select_from(AnswerRow)
            .outerjoin(FeedbackRow, FeedbackRow.request_id == AnswerRow.request_id)
            .where(FeedbackRow.request_id.is_(None), AnswerRow.band == "review")
        )
        with Session(self.engine) as session:
            return int(session.scalar(query) or 0)

    def feedback(
        self, request_id: str, category: str, note: str | None, replace: bool = False
    ) -> dict:
        """Record a person's answer; returns the stored answer with its feedback."""
        with Session(self.engine) as session, session.begin():
            answer = session.get(AnswerRow, request_id)
            if answer is None:
                raise UnknownRequest(request_id)
            categories = answer.categories.split(",")
            if category not in categories:
                raise UnknownCategory(f"{category!r} is not one of {categories}")
            existing = session.get(FeedbackRow, request_id)
            if existing is not None and not replace:
                raise AlreadyReviewed(request_id)
            verdict = CONFIRMED if category == answer.category else CORRECTED
            if existing is None:
                existing = FeedbackRow(request_id=request_id)
                session.add(existing)
            existing.category, existing.verdict, existing.note = category, verdict, note
            existing.created_at = now()
            out = _answer(answer)
            out["feedback"] = {"category": category, "verdict": verdict, "note": note}
            return out

    def get(self, request_id: str) -> dict | None:
        with Session(self.engine) as session:
            answer = session.get(AnswerRow, request_id)
            if answer is None:
                return None
            out = _answer(answer)
            fb = session.get(FeedbackRow, request_id)
            out["feedback"] = (
                {"category": fb.category, "verdict": fb.verdict, "note": fb.note} if fb else None
            )
            return out

    def reviewed(self) -> list[dict]:
        """Every answer a person confirmed or corrected: what the export stage turns into
        training rows."""
        query = select(AnswerRow, FeedbackRow).join(
            FeedbackRow, FeedbackRow.request_id == AnswerRow.request_id
        )
        with Session(self.engine) as session:
            return [
                {**_answer(a), "label": f.category, "verdict": f.verdict}
                for a, f in session.execute(query)
            ]

    def mix_counts(self) -> MixCounts:
        """Category counts per band over the stored answers (the retention bounds the window)."""
        category = func.coalesce(FeedbackRow.category, AnswerRow.category)
        auto = (
            select(category, func.count())
            .select_from(AnswerRow)
            .outerjoin(FeedbackRow, FeedbackRow.request_id == AnswerRow.request_id)
            .where(AnswerRow.band == "auto")
            .group_by(category)
        )
        reviewed = (
            select(FeedbackRow.category, func.count())
            .join(AnswerRow, FeedbackRow.request_id == AnswerRow.request_id)
            .where(AnswerRow.band == "review")
            .group_by(FeedbackRow.category)
        )
        total = select(func.count()).select_from(AnswerRow).where(AnswerRow.band == "review")
        with Session(self.engine) as session:
            return MixCounts(
                auto={c: n for c, n in session.execute(auto)},
                review_total=int(session.scalar(total) or 0),
                reviewed={c: n for c, n in session.execute(reviewed)},
            )

    def purge(self, older_than_days: float) -> int:
        """Delete answers (and their feedback) older than the retention; returns how many."""
        cutoff = now() - dt.timedelta(days=older_than_days)
        with Session(self.engine) as session, session.begin():
            old = select(AnswerRow.request_id).where(AnswerRow.created_at < cutoff)
            session.execute(delete(FeedbackRow).where(FeedbackRow.request_id.in_(old)))
            result = session.execute(delete(AnswerRow).where(AnswerRow.created_at < cutoff))
            return int(result.rowcount or 0)

    def close(self) -> None:
        self.engine.dispose()


def _answer(row: AnswerRow) -> dict:
    created = row.created_at
    if created.tzinfo is None:  # SQLite keeps no zone; every row is written in UTC
        created = created.replace(tzinfo=dt.UTC)
    return {
        "request_id": row.request_id,
        "created_at": created.isoformat(),
        "model": row.model,
        "model_version": row.model_version,
        "category": row.category,
        "confidence": row.confidence,
        "band": row.band,
        "reason": row.reason,
        "language": row.language,
        "redacted_text": row.redacted_text,
        "categories": row.categories.split(",") if row.categories else [],
    }


def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets the queue be read while answers are written; foreign keys for the cascade."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
