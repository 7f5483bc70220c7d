"""Person names in Latin script without a model: after titles, greetings, sign-offs and
self-introductions, in English and French; and the plausibility check every person span passes
(NER's too), so products and helpdesk words are not redacted as names.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from agent.pii.given_names import ELISION, TOKEN, given_names, listed_name
from agent.pii.ids import result
from agent.pii.lexicon import (
    AR_STREET_HONORIFICS,
    COMMON_WORDS,
    EPONYMOUS_ORGANISATIONS,
    GREETINGS,
    IT_WORDS,
    JOB_WORDS,
    NAME_PARTICLES,
    NAMED_THING_HEADS,
    ORG_TAILS,
    PLACE_HEADS,
    THING_TAILS,
    normalize_ar,
)

_NAME_WORD = (
    r"(?:(?:Mc|Mac|[ODN]['’])?[A-ZÀ-ÖØ-ÞĀ-ž][a-zà-öø-ÿĀ-ž]+(?:[-'’][A-ZÀ-ÖØ-ÞĀ-ža-zà-öø-ÿĀ-ž][a-zà-öø-ÿĀ-ž]+)*"
    # A surname in capitals, as forms and HR systems write it ("LEROY", "O'SULLIVAN").
    r"|(?:[ODN]['’])?[A-ZÀ-ÖØ-ÞĀ-ž]{2,}(?:[-'’][A-ZÀ-ÖØ-ÞĀ-ž]{2,})*(?![a-zà-öø-ÿĀ-ž]))"
)
_NAME = (
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:de|du|des|de la|le|van|von|der|da|di|el|al|ben|bin|ibn)[ \t]+)?"
    rf"{_NAME_WORD}){{0,3}}"
)
# Titles, greetings, sign-offs and self-introductions in English and French, then a name.
_CONTEXT_NAME = re.compile(
    r"(?:\b(?P<title>Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|M|Mme|Mlle|Me|Monsieur|Madame"
    r"|Mademoiselle|Docteur|Maître|Eng|Ing)\.?[ \t]+"
    # An initial: "J. Okonkwo", "A.-M. Lefebvre" (the initial joins the span afterwards).
    r"|(?P<initial>(?<![\w.])[A-ZÀ-ÖØ-ÞĀ-ž]\.(?:-?[A-ZÀ-ÖØ-ÞĀ-ž]\.)?[ \t]?)"
    # Mail headers: "From: Hany Abdelmalek <hany@...>", "Cc : K. N'Diaye; P. Etcheverry".
    r"|(?P<header>(?:^|\n)[ \t>]*(?:From|To|Cc|CC|Bcc|De|À|Sender|Expéditeur|Destinataire)"
    r"[ \t]*:[ \t]*)"
    r"|\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Gg]ood (?:morning|afternoon)|[Bb]onjour|[Bb]onsoir"
    r"|[Ss]alut|[Cc]her|[Cc]hère|[Cc]oucou)[ \t]+"
    r"|\b(?:[Rr]egards|[Tt]hanks|[Tt]hank you|[Cc]heers|[Bb]est|[Ss]incerely"
    r"|[Cc]ordialement|[Mm]erci(?: d'avance| beaucoup)?|[Bb]ien à vous|[Ss]alutations"
    r"|[Bb]onne journée|[Tt]hanks in advance|[Mm]any thanks)"
    r"[ \t]*[,.!]?[ \t]*\n?[ \t]*(?:-+[ \t]*)?"
    r"|(?P<dash>(?:^|\n)[ \t]*(?:--?|–|—|~)[ \t]*)"  # a signature line: "- Grace", "-- Tom"
    r"|\b(?P<role>[Cc][Cc]|CC|[Aa]ttn|[Mm]anager|[Cc]ustomer|[Cc]lient|[Rr]esponsable"
    r"|[Ii]ntern|[Tt]rainee|[Ss]tagiaire|[Aa]ssistante?|[Cc]olleague|[Cc]ollègue"
    r"|[Nn]ew starter|[Nn]ouvel arrivant"
    r"|[Nn]ouvelle arrivante|[Aa]pproved by|[Rr]eported by|[Ss]ubmitted by|[Aa]ssigned to"
    r"|[Vv]alidée? par|[Ss]ignalée? par|[Dd]emandée? par|[Gg]ive|[Uu]ser|[Uu]tilisateur)"
    r"[ \t]*:?[ \t]+"
    # Form fields that hold a person: no listed name needed ("Employee: Marigold Thwaite").
    r"|\b(?P<field>(?:[Ff]ull )?[Nn]ame|[Ee]mployee|[Rr]equester|[Cc]aller|[Nn]om|[Pp]rénom"
    r"|[Dd]emandeur|[Dd]emandeuse|[Cc]ollaborat(?:eur|rice)|[Ss]alariée?|[Ee]mployée?|[Bb]énéficiaire"
    r"|[Bb]eneficiary)[ \t]*:[ \t]*"
    r"|\b(?:[Rr]equested (?:by|for)|[Nn]ew (?:hire|joiner))[ \t]*:?[ \t]+"
    r"|\b(?:[Mm]y name is|I am|I'm|[Tt]his is|[Jj]e m'appelle|[Jj]e suis|[Mm]oi c'est"
    r"|[Mm]y (?:colleague|manager|boss)|[Mm]on (?:collègue|manager|responsable)"
    r"|[Mm]a (?:collègue|responsable|manager)|[Oo]n behalf of|[Dd]e la part de)[ \t]+)"
    rf"(?P<name>{_NAME})"
)
_HERE = re.compile(
    rf"(?:^|(?<=\n)|(?<=[.!?] ))(?:(?:[Hh]i|[Hh]ello|[Hh]ey)[ \t]*,?[ \t]+)?"
    rf"(?P<name>{_NAME})[ \t]+here\b"
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
    if lower == [lower[0]] and lower[0] in GREETINGS:
        return False  # "Salam," opening a ticket
    if lower[-1] in ORG_TAILS and not words[-1].isupper():
        return False  # "Johnson Controls", "Hamilton Building"; not "Hilary INC" (INC#123)
    if any(w in JOB_WORDS for w in lower):
        return False  # a job title signing the ticket: "Programme Portfolio Officer"
    lowercase_name = text.islower() and given_names("latin").get(words[0].title()) in _WORD_OR_NAME
    if not lowercase_name and any(w[0].islower() and w not in NAME_PARTICLES for w in words):
        return False  # "imageRUNNER", "iPhone"; names are capitalised, but for "sarah jones"
    return not (len(words) == 1 and words[0].isupper())


_TITLE_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|M|Mme|Mlle|Me|Monsieur|Madame|Mademoiselle)\.?[ \t]+$"
)


def titled_surname(text: str, start: int, end: int) -> bool:
    """One word in capitals after a title: a surname as forms write it ("Mme GARNIER"), which
    `plausible_person` rejects alone (an acronym, most of the time)."""
    span = text[start:end]
    return span.isupper() and " " not in span and bool(_TITLE_BEFORE.search(text, 0, start))


_NEXT_WORD = re.compile(r"[ \t]+([\w'’-]+)(?![\w#])")  # not "INC#4254044", a ticket number


def before_org_tail(text: str, end: int) -> bool:
    """Whether the word after a span ends a company's or a building's name ("Hamilton
    Building"): the span is then its namesake, not a person."""
    m = _NEXT_WORD.match(text, end)
    if not m:
        return False
    word = m.group(1)
    return word.lower() in ORG_TAILS or (word.islower() and word in THING_TAILS)


_LONGEST_FIRST = sorted(EPONYMOUS_ORGANISATIONS, key=len, reverse=True)
_ORGANISATIONS = re.compile(
    rf"(?<!\w)(?:{'|'.join(map(re.escape, _LONGEST_FIRST))})(?!\w)", re.IGNORECASE
)
_WORD_BEFORE = re.compile(r"([\w'’.-]+)[ \t]+[«\"“‘]?[ \t]*$")
_AR_WORDS_BEFORE = re.compile(r"([\u0621-\u064a\u0640]+)[ \t]+(?:([\u0621-\u064a\u0640]+)[ \t]+)?$")
_VERSION_AFTER = re.compile(r"[ \t]+v?\d+(?:\.\d+)+\b")
_QUOTES = ('«"“‘', '»"”’')


def names_a_thing(text: str, start: int, end: int) -> bool:
    """Whether the context makes a name-shaped span the name of a thing: a street, room,
    building or company before it ("rue Victor Hugo", "salle Simone Veil", "le cabinet Mazars",
    "شارع محمد الخامس", "طريق الملك فهد"), a partner after "&" ("Ernst & Young"), a version
    number after it ("Julia 1.10"), quotes around it (a theme, a dashboard: « Rose »), or a
    company named after a person around it ("Morgan Stanley", `EPONYMOUS_ORGANISATIONS`)."""
    for m in _ORGANISATIONS.finditer(text, max(0, start - 40), min(len(text), end + 40)):
        if m.start() <= start and end <= m.end():
            return True
    before = text[max(0, start - 40) : start]
    m = _WORD_BEFORE.search(before)
    if m and ELISION.sub("", m.group(1)).lower().rstrip(".") in NAMED_THING_HEADS:
        return True
    m = _AR_WORDS_BEFORE.search(before)
    if m:
        near, far = (normalize_ar(w) if w else "" for w in (m.group(2) or m.group(1), m.group(1)))
        if near in NAMED_THING_HEADS or (near in AR_STREET_HONORIFICS and far in NAMED_THING_HEADS):
            return True
    after = text[end : end + 3].lstrip(" \t")
    if after.startswith("&") or before.rstrip(" \t").endswith("&"):
        return True
    if _VERSION_AFTER.match(text, end):
        return True
    opened = before.rstrip(" \t")[-1:]
    return bool(opened) and opened in _QUOTES[0] and after[:1] in _QUOTES[1] and after != ""


_ENTRY_END = re.compile(r"[ \t]*(?:$|\n|[,;)<]|-[ \t]|–|—|and\b|et\b|&)")


def _ends_entry(text: str, end: int) -> bool:
    """Whether a name ends where an entry of a list or a header does (line end, a comma, "and",
    an address in angle brackets): "J. Okonkwo and A.-M. Lefebvre", "From: Hany Abdelmalek <"."""
    return bool(_ENTRY_END.match(text, end))


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
        out = self._here(text)
        pos = 0
        # Not finditer: a rejected match resumes at its name, which may open the next cue
        # ("My manager Mr. Al-Harbi": "Mr" is no name, but it is the title before one).
        while m := _CONTEXT_NAME.search(text, pos):
            pos = m.end()
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
                pos = m.start("name")
                continue
            start = m.start("name") + words[0].start()
            end = m.start("name") + words[-1].end()
            listed = any(listed_name(w.group()) for w in words)
            if (m.group("role") or m.group("dash")) and not listed:
                pos = m.start("name")
                continue  # "client Northwind Traders", "- Payroll": as often a company or a list
            if (m.group("initial") or m.group("header")) and not (listed or _ends_entry(text, end)):
                pos = m.start("name")
                continue  # "A. Restart the router" is a list item; "J. Okonkwo and ..." a name
            caps = [w for w in words if w.group().isupper()]
            if caps and not (listed or m.group("title") or m.group("field")):
                pos = m.start("name")
                continue  # "Merci\nCOMPTA FOURNISSEURS": a mailbox; "DIALLO Mamadou": a name
            if (m.group("title") and len(words) == 1 and caps) or plausible_person(
                text[start:end]
            ):  # "Mme MARTIN": one word in capitals after a title
                out.append(result(self, start, end, self.SCORE))
            else:
                pos = m.start("name")
        return out

    def _here(self, text: str) -> list[RecognizerResult]:
        """A self-introduction after the name: "Will Baker here.", "Hi, Mark here" (a name
        that is also a word counts here, unless every word of it is one)."""
        out = []
        for m in _HERE.finditer(text):
            words = TOKEN.findall(m.group("name"))
            lower = [w.lower() for w in words]
            if all(w in COMMON_WORDS for w in lower) or any(w in IT_WORDS for w in lower):
                continue
            out.append(result(self, m.start("name"), m.end("name"), self.SCORE))
        return out
