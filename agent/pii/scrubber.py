"""Presidio's analyzer and anonymizer wired to the entity table (agent.pii.entities)."""

from __future__ import annotations

import logging
from typing import Any

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult

from agent.pii.entities import PLACEHOLDERS, Options, recognizers
from agent.pii.layout_names import ChatSpeakerRecognizer
from agent.pii.name_completion import complete_names
from agent.pii.names import before_org_tail, names_a_thing, plausible_person, titled_surname
from agent.pii.ner import NER_MODELS, GatedSpacyNlpEngine
from agent.pii.spans import LANGUAGES, UNKNOWN, Entity, Scrubbed

logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
_SPEAKER = ChatSpeakerRecognizer.__name__


class _NoContextEnhancer(ContextAwareEnhancer):
    """Skip presidio's lemma-based score boosting: our scores do not depend on context words."""

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0,
            min_score_with_context_similarity=0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(
        self, text: str, raw_results: list[RecognizerResult], *args: Any, **kwargs: Any
    ) -> list[RecognizerResult]:
        """Return the results unchanged."""
        return raw_results


class _StaticRegistry(RecognizerRegistry):
    """A registry filled once at start-up. Presidio re-filters every recogniser (four languages'
    worth) for each requested entity on every `analyze` call, about a tenth of a scrub; the
    answer cannot change while no recogniser is added, so it is kept per request shape."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._selected: dict[tuple, list[EntityRecognizer]] = {}
        super().__init__(*args, **kwargs)

    def add_recognizer(self, recognizer: EntityRecognizer) -> None:
        self._selected.clear()
        super().add_recognizer(recognizer)

    def get_recognizers(
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (language, tuple(entities or ()), all_fields)
        if key not in self._selected:
            self._selected[key] = super().get_recognizers(language, entities, all_fields)
        return self._selected[key]


class PiiScrubber:
    """Finds PII and replaces it with typed placeholders. Build once (loads spaCy), then reuse.

    ner: use spaCy NER for person names in en/fr (context patterns always run).
    ner_gate: run NER only on texts with a name-like capitalised word (see `needs_ner`).
    score_threshold: minimum presidio score kept (patterns validated by checksum score 1.0,
        phones 0.7, context names 0.75-0.8, NER 0.85).
    employee_id_pattern: the organisation's own staff-number format (a regular expression such
        as `ST-\\d{5}`), redacted wherever it appears; cue words find the others.
    """

    def __init__(
        self,
        ner: bool = True,
        ner_gate: bool = True,
        score_threshold: float = 0.5,
        employee_id_pattern: str | None = None,
    ) -> None:
        self.ner = ner
        self.employee_id_pattern = employee_id_pattern or None
        self.score_threshold = score_threshold
        langs = [*LANGUAGES, UNKNOWN]
        self._nlp = GatedSpacyNlpEngine(NER_MODELS if ner else (), gate=ner_gate)
        registry = _StaticRegistry(recognizers=[], supported_languages=langs)
        options = Options(ner=ner, employee_id_pattern=self.employee_id_pattern)
        for lang in langs:
            for rec in recognizers(lang, options):
                registry.add_recognizer(rec)
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=self._nlp,
            supported_languages=langs,
            default_score_threshold=score_threshold,
            context_aware_enhancer=_NoContextEnhancer(),
        )
        self._entities = list(PLACEHOLDERS)
        self._anonymizer = AnonymizerEngine()
        self._operators = {
            t: OperatorConfig("replace", {"new_value": p}) for t, p in PLACEHOLDERS.items()
        }

    def analyze(self, text: str, language: str | None = None) -> list[Entity]:
        """PII spans in `text`, non-overlapping and sorted, without redacting; person names grown
        over their initials and capitalised surnames and repeated (`complete_names`)."""
        lang = language if language in LANGUAGES else UNKNOWN
        found = self._analyzer.analyze(text, language=lang, entities=self._entities)
        keep = [r for r in found if r.entity_type != "PERSON" or self._person_ok(text, r)]
        return complete_names(text, _resolve(keep))

    def scrub(self, text: str, language: str | None = None) -> Scrubbed:
        """Redact `text`; `language` is "en", "fr", "ar" or None (unknown)."""
        spans = self.analyze(text, language)
        if not spans:
            return Scrubbed(text=text, entities=[])
        results = [AnonymizerResult(e.type, e.start, e.end, 1.0) for e in spans]
        out = self._anonymizer.anonymize(
            text, results, operators=self._operators, merge_entities_with_spaces=False
        )
        return Scrubbed(text=out.text, entities=spans)

    @staticmethod
    def _person_ok(text: str, r: RecognizerResult) -> bool:
        """NER tags some products as persons ("Teams", "Dell"), and a street, a building or a
        company by its namesake ("the Hamilton Building", "rue Victor Hugo"); drop those. A chat
        speaker's label is a name by its place in the layout, whatever its case ("hessa:")."""
        speaker = r.recognition_metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY) == _SPEAKER
        return (
            (
                speaker
                or plausible_person(text[r.start : r.end])
                or titled_surname(text, r.start, r.end)
            )
            and not before_org_tail(text, r.end)
            and not names_a_thing(text, r.start, r.end)
        )


def _resolve(results: list[RecognizerResult]) -> list[Entity]:
    """Make spans non-overlapping: merge overlapping spans of one type; between types the higher
    score wins, then the longer span (an IBAN holds card-like and phone-like digit runs)."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    chosen: list[RecognizerResult] = []
    for r in ranked:
        clash = [c for c in chosen if r.start < c.end and c.start < r.end]
        if not clash:
            chosen.append(r)
        elif all(c.entity_type == r.entity_type == "PERSON" for c in clash):
            for c in clash:  # NER "John" + context "John Smith": keep the union
                c.start, c.end = min(c.start, r.start), max(c.end, r.end)
    out: list[Entity] = []
    for r in sorted(chosen, key=lambda r: (r.start, -r.end)):
        if out and r.start < out[-1].end:  # a union grew into a neighbour: keep the first
            continue
        out.append(Entity(r.entity_type, r.start, r.end))
    return out
