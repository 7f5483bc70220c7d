"""Offline language identification (lingua ships its models in the wheel)."""

from __future__ import annotations

import re
from functools import cached_property

from lingua import Language, LanguageDetectorBuilder

# Languages the router distinguishes; everything is non-English unless it reads as English.
_LANGUAGES = (
    Language.ENGLISH,
    Language.FRENCH,
    Language.ARABIC,
    Language.SPANISH,
    Language.GERMAN,
    Language.PORTUGUESE,
    Language.ITALIAN,
    Language.DUTCH,
)
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")


class LanguageDetector:
    @cached_property
    def _detector(self):
        return (
            LanguageDetectorBuilder.from_languages(*_LANGUAGES)
            .with_preloaded_language_models()
            .build()
        )

    def warm(self) -> None:
        """Load the models at start-up rather than on the first ticket."""
        self._detector  # noqa: B018

    def detect(self, text: str) -> tuple[str, float]:
        """ISO 639-1 code and confidence; ("unknown", 0.0) when nothing fits."""
        sample = _PLACEHOLDER.sub(" ", text)[:2000]
        values = self._detector.compute_language_confidence_values(sample)
        if not values or values[0].value <= 0:
            return "unknown", 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)
