"""What the scrubber finds and returns, and the languages it serves."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "fr", "ar")
UNKNOWN = "xx"  # presidio needs a language code; this one gets the language-independent set
ALL = (*LANGUAGES, UNKNOWN)


@dataclass(frozen=True)
class Entity:
    """A PII span; `start`/`end` are offsets into the original text."""

    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Scrubbed:
    """Redacted text (typed placeholders) and what was removed, in original-text offsets."""

    text: str
    entities: list[Entity]
