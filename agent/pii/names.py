"""Person names in Latin script without a model: after titles, greetings, sign-offs and
self-introductions, in English and French; and the plausibility check every person span passes
(NER's too), so products and helpdesk words are not redacted as names.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from agent.pii.given_names import TOKEN, given_names, listed_name
from agent.pii.ids import result
from agent.pii.lexicon import (
    COMMON_WORDS,
    IT_WORDS,
    JOB_WORDS,
    NAME_PARTICLES,
    ORG_TAILS,
    PLACE_HEADS,
)

_NAME_WORD = r"(?:Mc|Mac|O['’])?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'’][A-ZÀ-ÖØ-Þa-zà-öø-ÿ][a-zà-öø-ÿ]+)*"
_NAME = (
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:de|du|des|de la|le|van|von|der|da|di|el|al|ben|bin|ibn)[ \t]+)?"
    rf"{_NAME_WORD}){{0,3}}"
)
# Titles, greetings, sign-offs and self-introductions in English and French, then a name.
_CONTEXT_NAME = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|M|Mme|Mlle|Me|Monsieur|Madame|Mademoiselle"
    r"|Docteur|Maître)\.?[ \t]+"
    r"|\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Gg]ood (?:morning|afternoon)|[Bb]onjour|[Bb]onsoir"
    r"|[Ss]alut|[Cc]her|[Cc]hère|[Cc]oucou)[ \t]+"
    r"|\b(?:[Rr]egards|[Tt]hanks|[Tt]hank you|[Cc]heers|[Bb]est|[Ss]incerely"
    r"|[Cc]ordialement|[Mm]erci(?: d'avance| beaucoup)?|[Bb]ien à vous|[Ss]alutations"
    r"|[Bb]onne journée|[Tt]hanks in advance|[Mm]any thanks)"
    r"[ \t]*[,.!]?[ \t]*\n?[ \t]*(?:-+[ \t]*)?"
    r"|(?P<dash>(?:^|\n)[ \t]*(?:--?|–|—|~)[ \t]*)"  # a signature line: "- Grace", "-- Tom"
    r"|\b(?P<role>[Cc][Cc]|CC|[Aa]ttn|[Mm]anager|[Cc]ustomer|[Cc]lient|[Rr]esponsable"
    r"|[Nn]ew starter|[Nn]ouvel arrivant"
    r"|[Nn]ouvelle arrivante|[Aa]pproved by|[Rr]eported by|[Ss]ubmitted by|[Aa]ssigned to"
    r"|[Vv]alidée? par|[Ss]ignalée? par|[Dd]emandée? par|[Gg]ive|[Uu]ser|[Uu]tilisateur)"
    r"[ \t]*:?[ \t]+"
    # Form fields that hold a person: no listed name needed ("Employee: Marigold Thwaite").
    r"|\b(?:(?:[Ff]ull )?[Nn]ame|[Ee]mployee|[Rr]equester|[Cc]aller|[Nn]om|[Pp]rénom|[Dd]emandeur"
    r"|[Dd]emandeuse|[Cc]ollaborat(?:eur|rice)|[Ss]alariée?|[Ee]mployée?|[Bb]énéficiaire"
    r"|[Bb]eneficiary)[ \t]*:[ \t]*"
    r"|\b(?:[Rr]equested (?:by|for)|[Nn]ew (?:hire|joiner))[ \t]*:?[ \t]+"
    r"|\b(?:[Mm]y name is|I am|I'm|[Tt]his is|[Jj]e m'appelle|[Jj]e suis|[Mm]oi c'est"
    r"|[Mm]y (?:colleague|manager|boss)|[Mm]on (?:collègue|manager|responsable)"
    r"|[Mm]a (?:collègue|responsable|manager)|[Oo]n behalf of|[Dd]e la part de)[ \t]+)"
    rf"(?P<name>{_NAME})"
)
_WORD_OR_NAME = ("name", "ambiguous")  # the lists' kinds a lowercase name may have (not "place")


def plausible_person(text: str) -> bool:
    """Reject spans that are product or helpdesk words, acronyms, URLs, or hold digits.

    NER tags "Citrix Workspace", "Canon imageRUNNER" or "Salary" (sentence start) as persons.
    """
    words = TOKEN.findall(text)
    if not words or any(c.isdigit() or c in "/@:" for c in text):
        return False
    lower = [w.lower().strip("'’") for w in words]
    if all(w in COMMON_WORDS for w in lower) or lower[0] in IT_WORDS or lower[0] in PLACE_HEADS:
        return False
    if lower[-1] in ORG_TAILS and not words[-1].isupper():
        return False  # "Johnson Controls", "Hamilton Building"; not "Hilary INC" (INC#123)
    if any(w in JOB_WORDS for w in lower):
        return False  # a job title signing the ticket: "Programme Portfolio Officer"
    lowercase_name = text.islower() and given_names("latin").get(words[0].title()) in _WORD_OR_NAME
    if not lowercase_name and any(w[0].islower() and w not in NAME_PARTICLES for w in words):
        return False  # "imageRUNNER", "iPhone"; names are capitalised, but for "sarah jones"
    return not (len(words) == 1 and words[0].isupper())


_NEXT_WORD = re.compile(r"[ \t]+([\w'’-]+)(?![\w#])")  # not "INC#4254044", a ticket number


def before_org_tail(text: str, end: int) -> bool:
    """Whether the word after a span ends a company's or a building's name ("Hamilton
    Building"): the span is then its namesake, not a person."""
    m = _NEXT_WORD.match(text, end)
    return bool(m) and m.group(1).lower() in ORG_TAILS


class ContextNameRecognizer(LocalRecognizer):
    """Names after titles, greetings and sign-offs ("Hi Anna", "Regards,\\nJohn Smith", "Mme
    Durand"): where most names sit in a ticket, found in microseconds, no model."""

    SCORE = 0.75

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Emit the `name` group of every context match that looks like a person."""
        out = []
        for m in _CONTEXT_NAME.finditer(text):
            words = list(re.finditer(_NAME_WORD, m.group("name")))
            if m.group("dash"):
                line_end = text.find("\n", m.end("name"))
                if text[m.end("name") : None if line_end < 0 else line_end].strip(" \t.!"):
                    continue  # "- Grace" ends its line; "- Check the cable" is a list item
                if len(words) == 1 and given_names("latin").get(words[0].group()) == "place":
                    continue  # "- Paris" in a list of sites
            # Drop common words at the ends: "Hi Team", "Thanks John Support", "Mme".
            while words and words[-1].group().lower() in COMMON_WORDS:
                words.pop()
            while words and words[0].group().lower() in COMMON_WORDS:  # "Bonjour Mme X"
                words.pop(0)
            if not words:
                continue
            start = m.start("name") + words[0].start()
            end = m.start("name") + words[-1].end()
            if (m.group("role") or m.group("dash")) and not any(
                listed_name(w.group()) for w in words
            ):
                continue  # "client Northwind Traders", "- Payroll": as often a company or a list
            if plausible_person(text[start:end]):
                out.append(result(self, start, end, self.SCORE))
        return out
