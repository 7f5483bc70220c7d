"""Person names that a ticket's layout gives away, where no cue word stands before them: the
speakers of a pasted chat ("[09:14] frank: is the vpn down?") and the name line of a signature
block ("Félicité Nkomo" above "Chargée de clientèle" and a phone number).

Chat speakers are often lowercase words that are also everyday words ("mark", "drew", "ivy"),
so the layout, not the word, decides: a label counts on a line with a timestamp, or in a ticket
where several lines are turns and a speaker comes back (a form's fields each appear once). A
signature line counts when a job title, a phone number or an address follows it, or when it
closes the ticket and holds a listed name.
"""

from __future__ import annotations

import re
from collections import Counter

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from agent.pii.given_names import given_names, listed_name
from agent.pii.ids import result
from agent.pii.lexicon import (
    AR_GIVEN_NAMES,
    CHAT_FIELD_LABELS,
    COMMON_WORDS,
    JOB_WORDS,
    NAME_PARTICLES,
    ORG_TAILS,
    PLACE_HEADS,
    normalize_ar,
)

_TURN = re.compile(
    r"^[ \t]*(?P<time>\[?\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]?[AaPp][Mm])?\]?[ \t]*)?"
    r"(?P<who>[^\W\d_][\w'’.-]{1,24})[ \t]*:[ \t]+\S",
    re.MULTILINE,
)
_MIN_TURNS = 3  # lines that are speaker turns before labels without timestamps count


def _speaker_label(word: str) -> bool:
    """A label that may be a person's name, not a field, function word or product. In Arabic
    script only a listed given name: field labels there are nouns ("البند:", "ملاحظة:")."""
    if "\u0600" <= word[0] <= "\u06ff":
        key = normalize_ar(word)
        return key in given_names("arabic") or key in AR_GIVEN_NAMES
    lower = word.lower().strip(".")
    return lower not in CHAT_FIELD_LABELS and lower not in COMMON_WORDS and not word.isupper()


class ChatSpeakerRecognizer(LocalRecognizer):
    """Speaker labels of a pasted chat or call log: every script, every language."""

    SCORE = 0.75

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Labels on timestamped lines; all labels once the ticket reads as a transcript."""
        if ":" not in text:
            return []
        turns = list(_TURN.finditer(text))
        speakers = Counter(m.group("who").lower() for m in turns)  # "helpdesk" is one too
        transcript = len(turns) >= _MIN_TURNS and len(speakers) >= 2 and max(speakers.values()) >= 2
        return [
            result(self, m.start("who"), m.end("who"), self.SCORE)
            for m in turns
            if (transcript or m.group("time")) and _speaker_label(m.group("who"))
        ]


_SIGNATURE_NAME = re.compile(
    r"^[ \t]*(?P<name>(?:[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž'’]+(?:-[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+)?[ \t]+"
    r"(?:(?:de|du|des|de la|le|van|von|der|da|di|el|al|ben|bin|ibn|ait|aït|ould)[ \t]+)?){1,3}"
    r"[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž'’]+(?:-[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+)?)"
    r"[ \t]*(?P<tail>,[^\n]*)?$",
    re.MULTILINE,
)
_CONTACT = re.compile(r"[\d+()][\d ()+.-]{7,}\d|@|\b(?:tel|tél|phone|mobile|ext|poste)\b", re.I)


def _job_line(line: str) -> bool:
    words = re.findall(r"[\w'’-]+", line.lower())
    return 0 < len(words) <= 6 and any(w in JOB_WORDS for w in words)


class SignatureNameRecognizer(LocalRecognizer):
    """The name line of a signature block (Latin script)."""

    SCORE = 0.7

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Two to four capitalised words alone on a line (or before ", department"), then a
        job title, a phone number or an address; or closing the ticket with a listed name."""
        out = []
        for m in _SIGNATURE_NAME.finditer(text):
            words = re.findall(r"[\w'’-]+", m.group("name"))
            lower = [w.lower() for w in words if w.lower() not in NAME_PARTICLES]
            if any(w in COMMON_WORDS or w in JOB_WORDS or w in ORG_TAILS for w in lower):
                continue
            if lower[0] in PLACE_HEADS:
                continue
            rest = text[m.end() :].lstrip("\n")
            following = rest.split("\n", 2)[:2]
            contact = any(_job_line(line) or _CONTACT.search(line) for line in following)
            last = not rest.strip()
            listed = any(listed_name(w) for w in words)
            if m.group("tail"):  # "Prudence Adjovi, service juridique": needs a listed name
                contact = listed and (last or _job_line(m.group("tail")[1:]))
            if contact or (last and listed):
                out.append(result(self, m.start("name"), m.end("name"), self.SCORE))
        return out
