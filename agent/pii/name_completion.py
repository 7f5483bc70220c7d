"""The last step for person names, once every recogniser has run: a found name grows over the
initials and capitalised surnames beside it, and is redacted wherever the ticket repeats it.

Recognisers see one place in the text. People write a name once in full and then again in part
("Will Baker here ... Thanks, Will"; "Mme MARTIN" under "MARTIN Océane"), and forms put the
surname in capitals before the given name ("DIALLO Mamadou", "O'SULLIVAN Ciarán"), or an initial
before the surname ("J.-F. Coste", "Rajesh V."): a reader still sees whatever the span left out.
"""

from __future__ import annotations

import re

from agent.pii.given_names import TOKEN, family_words, given_names
from agent.pii.lexicon import (
    AR_AMBIGUOUS_NAMES,
    AR_NOT_NAMES,
    COMMON_WORDS,
    NAME_PARTICLES,
    normalize_ar,
)
from agent.pii.names import names_a_thing
from agent.pii.spans import Entity

PERSON = "PERSON"
# An initial before a name ("J. ", "A.-M. ", "ع. "), and after one ("Rajesh V.").
# Arabic initials, but not د. and م. (doctor, engineer: titles stay outside the span).
_INITIAL_BEFORE = re.compile(
    r"(?<![\w.])(?:[A-ZÀ-ÖØ-ÞĀ-ž]\.-?)?(?:[A-ZÀ-ÖØ-ÞĀ-ž]|(?![دم])[\u0621-\u064a])\.[ \t]?$"
)
_INITIAL_AFTER = re.compile(r"[ \t][A-ZÀ-ÖØ-ÞĀ-ž]\.(?![\w.])")
# A surname in capitals ("DIALLO", "O'SULLIVAN", "HARTLEY-SMYTHE", "AL-HARBI").
_CAPS_WORD = re.compile(r"(?:[A-Z][’'])?[A-ZÀ-ÖØ-ÞĀ-ž]{2,}(?:[-'’][A-ZÀ-ÖØ-ÞĀ-ž]{2,})*")
_CAPS_BEFORE = re.compile(rf"(?<![\w'’-])({_CAPS_WORD.pattern})[ \t]$")
_CAPS_AFTER = re.compile(rf"[ \t]({_CAPS_WORD.pattern})(?![\w'’-])")
_SENTENCE_END = ".!?:\n"
_AR_PUNCT = "،,.!?؟:;\n"


def complete_names(text: str, spans: list[Entity]) -> list[Entity]:
    """Spans (sorted, non-overlapping) with person names grown and repeated."""
    grown = [_grow(text, e, spans) if e.type == PERSON else e for e in spans]
    return sorted(grown + _repeats(text, grown), key=lambda e: e.start)


def _free(start: int, end: int, spans: list[Entity], own: Entity) -> bool:
    return not any(s is not own and s.start < end and start < s.end for s in spans)


def _caps_surname(word: str) -> bool:
    """A word in capitals that can be a surname: not an acronym or an everyday word ("IT",
    "VPN", "URGENT"; HR systems write the surname in capitals, people write acronyms)."""
    return word.lower() not in COMMON_WORDS and len(word.strip("'’-")) >= 3


def _grow(text: str, e: Entity, spans: list[Entity]) -> Entity:
    start, end = e.start, e.end
    for _ in range(2):  # "NGUYEN Thi", "VAN DER BERG Anna": at most two words in capitals
        m = _CAPS_BEFORE.search(text, max(0, start - 30), start)
        if not (m and _caps_surname(m.group(1)) and _free(m.start(1), end, spans, e)):
            break
        start = m.start(1)
    m = _CAPS_AFTER.match(text, end)
    if m and _caps_surname(m.group(1)) and _free(start, m.end(1), spans, e):
        end = m.end(1)
    m = _INITIAL_BEFORE.search(text, max(0, start - 8), start)
    if m and _free(m.start(), end, spans, e):
        start = m.start()
    m = _INITIAL_AFTER.match(text, end)
    if m and _free(start, m.end(), spans, e):
        end = m.end()
    return e if (start, end) == (e.start, e.end) else Entity(PERSON, start, end)


def _key(word: str) -> str:
    return normalize_ar(word) if "\u0600" <= word[0] <= "\u06ff" else word.lower()


def _is_word(word: str) -> bool:
    """A name that is also an everyday word ("Will", "Grace", "Baker"; نور "light")."""
    if "\u0600" <= word[0] <= "\u06ff":
        key = normalize_ar(word)
        return key in AR_AMBIGUOUS_NAMES or given_names("arabic").get(key, "name") != "name"
    title = word.title()
    return (
        word.lower() in COMMON_WORDS
        or given_names("latin").get(title, "name") != "name"
        or title in family_words()
    )


def _repeats(text: str, spans: list[Entity]) -> list[Entity]:
    """Other occurrences of the words of the names found. A word that is also an everyday word
    repeats a name only where it cannot be that word: capitalised as the name was, not at a
    sentence start (Latin), or followed by punctuation (Arabic: "وعليكم السلام حصة،", not
    "حصة تدريبية", a training session)."""
    persons = [e for e in spans if e.type == PERSON]
    if not persons:
        return []
    names: dict[str, str] = {}
    for e in persons:
        for tok in TOKEN.finditer(text, e.start, e.end):
            word = tok.group().strip("'’-")
            if len(word) >= 3 and word.lower() not in NAME_PARTICLES:
                names.setdefault(_key(word), word)
    out = []
    for tok in TOKEN.finditer(text):
        word = tok.group()
        key = _key(word)
        if key not in names or not _free(tok.start(), tok.end(), spans + out, None):
            continue
        if key in AR_NOT_NAMES or (word.lower() in COMMON_WORDS and word == word.lower()):
            continue
        if _is_word(word) and not _unmistakable(text, tok, names[key]):
            continue
        if names_a_thing(text, tok.start(), tok.end()):
            continue  # "بنك الراجحي" beside a person of that family
        out.append(Entity(PERSON, tok.start(), tok.end()))
    return out


def _unmistakable(text: str, tok: re.Match[str], found: str) -> bool:
    word = tok.group()
    if "\u0600" <= word[0] <= "\u06ff":  # not "سلام،" opening a ticket: a greeting
        after = text[tok.end() : tok.end() + 2].lstrip(" \t")
        opens_ticket = not text[: tok.start()].strip()
        return (not after or after[0] in _AR_PUNCT) and not opens_ticket
    if word != found and not (word.isupper() and found.isupper()):
        return False  # "will someone" after "Will Baker"
    before = text[: tok.start()].rstrip(" \t")
    return bool(before) and before[-1] not in _SENTENCE_END
