"""Person names from lists of real given and family names (agent/pii/lists/), without a model.

Most names in tickets stand where no title or greeting announces them ("Could you reset the MFA
for Brianna Odom?", "Bethany here - my laptop ..."), and the small spaCy models miss many of them.
The lists (`python -m devtools.make_name_lists`, from names-dataset's per-country ranks, not from
Faker, which generates the PII test sets) hold the given names common where the agent serves; a
name that is also an everyday word ("Grant", "Rose"; ناجح "successful") or a place ("Paris") is
marked so and counts only when a family name follows it (a word-name also after a cue: "for").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from agent.pii.ids import result
from agent.pii.lexicon import COMMON_WORDS, IT_WORDS, JOB_WORDS, NAME_PARTICLES, PLACE_HEADS

LISTS = Path(__file__).with_name("lists")
# Words as the name scanners (this module, names.py, ner.py) cut them, and French elision.
TOKEN = re.compile(r"[\w'’-]+")
ELISION = re.compile(r"^(?:[LlDdJjNnSsCcMmTt]|[Qq]u)['’](?=\w)")
_TITLE = re.compile(
    r"^(?:Mc|Mac|O['’])?[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+(?:[-'’][A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+)*$"
)
_CAPS = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ž]{3,}(?:-[A-ZÀ-ÖØ-ÞĀ-ž]{2,})?$")
_FAMILY_WORDS = 3  # family-name words after a given name ("Marie de La Tour" is 3 after Marie)
# Words after which a capitalised word-name is a person: "reset the MFA for Sandy", "ask Dean".
_PERSON_CUE = re.compile(
    r"(?:\b(?:for|to|with|from|ask|asked|contact|cc|by|tell|told|call|pour|avec|à|par|de la part"
    r" de|demander à|voir avec|appeler)) $",
    re.IGNORECASE,
)

# Chat-style tickets are written in lower case ("my name is sarah", "reset pw for sarah jones",
# "thanks, priya"): after these cues a lowercase word counts when it is a listed given name that
# is not also a word or a place. After a self-introduction a name that is also a word ("lee",
# "john") counts too; after a preposition ("for", "from") only a given and a family name together:
# the training tickets hold "rights for read write", and the lists' word check misses "read".
_LOWER_CUE = re.compile(
    r"\b(?:(?P<intro>my name is|je m'appelle|moi c'est)|(?P<weak>for|pour|from|de la part de"
    r"|this is)|(?P<its>it'?s|c'est|ici)|i am|i'm|je suis|thanks|thank you|thx|cheers|regards"
    r"|merci|hi|hello|hey|bonjour|salut|user|utilisateur|ask|demande à|demander à|voir avec)\b"
    r"[ \t]*[,:]?[ \t]*\n?[ \t]*(?<=[\s,:])"
    r"(?P<given>[a-zà-öø-ÿĀ-ž]{2,})\b(?:[ \t]+(?P<family>[a-zà-öø-ÿĀ-ž]{2,})\b)?",
    re.IGNORECASE,
)

_FROM = re.compile(r"[ \t]+(?:from|de|du|d')\b", re.IGNORECASE)


def may_be_capitalised(word: str) -> bool:
    """Capitalised, or capitalised after an elision ("d'Hélène", "qu'Anna"): the cheap test
    that lets the scanners skip most words of a ticket without a regex."""
    return word[0].isupper() or "'" in word[1:3] or "’" in word[1:3]


def _lines(name: str) -> list[str]:
    text = (LISTS / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@cache
def given_names(script: str) -> dict[str, str]:
    """Given name (Latin: as written, Arabic: `normalize_ar` key) -> "name", "ambiguous" (also
    a word) or "place" (also a city or country)."""
    return dict(line.split("\t") for line in _lines(f"given_{script}.tsv"))


@cache
def family_names(script: str) -> frozenset[str]:
    """Family names (Latin as written, Arabic as `normalize_ar` keys)."""
    return frozenset(_lines(f"family_{script}.txt"))


@cache
def family_words() -> frozenset[str]:
    """Latin-script family names that are also words (Baker, Wood, Turner): they extend a given
    name, never make a name alone."""
    return frozenset(_lines("family_latin_words.txt"))


def listed_name(word: str) -> bool:
    """A Latin-script given or family name of the lists, in any letter case ("HARDY")."""
    name = word[:1].upper() + word[1:].lower() if word.isupper() else word
    return name in given_names("latin") or name in family_names("latin")


class GivenNameRecognizer(LocalRecognizer):
    """A listed given name, extended over the family name that follows ("Nicola Murphy",
    "Denise HARDY", "Marie de La Tour"). A name that is also a word ("Dean", "Sandy") needs a
    listed family name after it or a cue before it ("for Sandy"); one that is also a place
    ("Paris", "France") needs the family name; any other listed one counts alone ("Leanne",
    "Bethany here")."""

    SCORE = 0.7

    def load(self) -> None:
        """Read the lists once per process (a few MB, ~0.3 s)."""
        self.given = given_names("latin")
        self.family = family_names("latin")
        self.family_words = family_words()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Scan words left to right; a name swallows the family-name words that follow it."""
        tokens = list(TOKEN.finditer(text))
        out: list[RecognizerResult] = []
        i = 0
        while i < len(tokens):
            if not may_be_capitalised(tokens[i].group()):
                i += 1
                continue
            start, end = _core(tokens[i])
            kind = self.given.get(text[start:end])
            if kind is None and _unlisted_given(text[start:end]):
                kind = "unlisted"  # "Caspian Ridley": counts only with a listed family name
            if kind is None or text[start:end].lower() in COMMON_WORDS:
                i += 1
                continue
            ambiguous = kind != "name"
            j, family = i + 1, False
            while (
                j < len(tokens)
                and j - i <= _FAMILY_WORDS
                and _adjacent(text, tokens[j - 1], tokens[j])
                and text[tokens[j - 1].end() - 2 : tokens[j - 1].end()] not in _POSSESSIVES
            ):
                word_start, word_end = _core(tokens[j])
                if tokens[j].group().lower() in NAME_PARTICLES and j + 1 < len(tokens):
                    j += 1  # "de", "van der": only as part of a family name that follows
                    continue
                word = text[word_start:word_end]
                if not self._family_like(
                    word, strict=ambiguous, given_ok=kind != "unlisted", word_ok=kind == "ambiguous"
                ):
                    break
                j, end, family = j + 1, word_end, True
            cued = kind == "ambiguous" and _PERSON_CUE.search(text, max(0, start - 20), start)
            if family or not ambiguous or cued:
                out.append(result(self, start, end, self.SCORE))
                i = j
            else:
                i += 1
        return out + self._lowercase(text)

    def _lowercase(self, text: str) -> list[RecognizerResult]:
        """Lowercase names after a cue (`_LOWER_CUE`)."""
        out = []
        pos = 0
        # Overlapping: "bonjour, je m'appelle camille": the word after one cue may open the next.
        while m := _LOWER_CUE.search(text, pos):
            pos = m.start("given")
            given = m.group("given")
            kind = self.given.get(given.title())
            if given[0].isupper() or given in COMMON_WORDS:
                continue
            if m.group("its"):  # "its tomasz from design", "c'est pierre du support"
                if not _FROM.match(text, m.end("given")) or kind not in ("name", "ambiguous"):
                    continue
                out.append(result(self, m.start("given"), m.end("given"), self.SCORE))
                continue
            if kind != "name" and not (kind == "ambiguous" and m.group("intro")):
                continue
            end = m.end("given")
            family = m.group("family")
            if family and family.title() in self.family and family not in COMMON_WORDS:
                end = m.end("family")
            elif m.group("weak"):
                continue
            out.append(result(self, m.start("given"), end, self.SCORE))
        return out

    def _family_like(
        self, word: str, strict: bool, given_ok: bool = True, word_ok: bool = False
    ) -> bool:
        """A capitalised word that can be a family name: listed (after a name the lists lack:
        as a family name, so "Finance Claire" is not one; after a given name that is also a
        word: a family name that is one too, "Dean Baker"), or (after an unambiguous given name)
        any capitalised word that is not a common or product word."""
        if word.lower() in COMMON_WORDS or not (_TITLE.match(word) or _CAPS.match(word)):
            return False
        if not given_ok and word in self.given:
            return False  # "Testeurs France", "Ask Sarah Hall": the given name opens the name
        title = word.title()
        return (
            not strict
            or title in self.family
            or word in self.given
            or (word_ok and title in self.family_words)
        )


_POSSESSIVES = ("'s", "’s")
# Words that open no person's name: products, roles, places ("Windows", "Manager", "Mont").
_NOT_GIVEN = IT_WORDS | JOB_WORDS | PLACE_HEADS | COMMON_WORDS


def _unlisted_given(word: str) -> bool:
    """A capitalised word the lists lack that may still be a given name (invented, rare or
    foreign names: "Caspian", "Brynmor"): the scan takes it only before a listed family name."""
    return len(word) >= 3 and bool(_TITLE.match(word)) and word.lower() not in _NOT_GIVEN


def _core(token: re.Match[str]) -> tuple[int, int]:
    """The name inside a token: without a French elision ("d'Hélène") or an English possessive
    ("Odom's")."""
    start, end = token.span()
    elided = ELISION.match(token.group())
    if elided:
        start += elided.end()
    if token.group().endswith(_POSSESSIVES):
        end -= 2
    return start, end


def _adjacent(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    """Name parts are separated by spaces only (not punctuation or a line break)."""
    gap = text[a.end() : b.start()]
    return 0 < len(gap) <= 2 and gap.strip(" \t\u00a0") == ""
