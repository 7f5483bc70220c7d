"""Structured personal data found by pattern and checksum: e-mail addresses, phone numbers,
IBANs, payment cards, URLs with credentials. Each recogniser is presidio's own where presidio's
works offline, narrowed where it flags what the classifier needs (dates, versions, order numbers).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from typing import ClassVar

import phonenumbers
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
)

from agent.pii.ids import egypt_ok, luhn, nir_ok
from agent.pii.spans import UNKNOWN

# Region order per language: home regions are tried first (a national number valid in several
# regions, e.g. 0XXXXXXXXX in FR and MA, is found by the first); every region that fits is tried.
PHONE_REGIONS = {
    "en": ("US", "GB", "AE", "SA", "EG", "FR", "MA", "DZ", "TN"),
    "fr": ("FR", "MA", "DZ", "TN", "GB", "US", "EG", "SA", "AE"),
    "ar": ("MA", "DZ", "TN", "EG", "SA", "AE", "FR", "GB", "US"),
    UNKNOWN: ("FR", "MA", "DZ", "TN", "EG", "SA", "AE", "GB", "US"),
}


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail regex without its tldextract check (which downloads a suffix list).

    Any alphabetic top-level label is accepted: internal domains (corp.local) are PII too.
    """

    def validate_result(self, pattern_text: str) -> bool:
        """Require an alphabetic last label so "build@1.2.3" style strings are not e-mails."""
        tld = pattern_text.rsplit(".", 1)[-1]
        return len(tld) >= 2 and tld.isalpha()


# A run of digits with the separators people put in phone numbers (no newlines), at least 8 digits.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+\-#/.])(?:\(?\+|\b00)?\(?\d[\d \t\u00a0().\-/]{6,24}\d(?!\w)"
)
# A US local number after a phone word ("Phone: 555-0139"): seven digits, too short otherwise.
_US_LOCAL = re.compile(r"\d{3}[-.]\d{4}")
# Dates look like Tunisian numbers (8 digits, 2x/5x/9x): blank them out before the search.
_DATE = re.compile(
    r"(?<![\d.\-/])(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{4}"
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?![\d\-/]|\.\d)"
)
# Dotted runs with a one-digit group are versions ("127.0.6533.88"), never dotted phone styles.
_VERSION_GROUP = re.compile(r"(?:^|\.)\d(?:\.|$)")
# Phone words in the three languages, as whole words; each use below adds its own.
_PHONE_WORDS = (
    r"tel|tél|phone|mobile|portable|gsm|cell|call|joignable|fixe|whatsapp|sms"
    r"|رقمي|رقمه|رقمها|اتصل|اتصال|موبايل|واتساب"
)
# Bare runs without a trunk 0 ("51234567", "4507219359") are as often order or asset numbers
# as Tunisian or US phones: they need a phone word just before (anywhere in the 40 characters,
# inside a word too: "rappel", "joindre", "هاتفي").
_PHONE_CONTEXT = re.compile(
    rf"(?i)(?:{_PHONE_WORDS}|line|appel|rappel|joindr|reach|contact|هاتف|جوال|الخط\b|أرضي)"
)
# A phone word right before the number (a few words, no digits between): then a number of a
# possible length is a phone even when libphonenumber does not know its range as allocated:
# Ofcom's "07700 900123" and "01632 960961" are reserved for fiction, and people copy them into
# tickets, forms and tests; a new mobile range reads the same to an old metadata table.
_PHONE_CUE_NEAR = re.compile(
    rf"(?:(?i:\b(?:{_PHONE_WORDS}|t[ée]l[ée]phone|ph|mob|ring|text|fax|my number|reach me"
    r"|contact me|mon num[ée]ro|appel\w*|rappel\w*|joindre|هاتف\w*|جوال\w*))|\b[MTF]\s*:)"
    # then only the words that join a phone word to its number ("call me back on", "joignable
    # au", "اتصل بي على"): "phone model 0815 4711" and "call ref 0012345678" are not phones.
    r"(?:[\s:.\-–#]|(?i:\b(?:me|us|him|her|them|back|on|at|is|my|his|our|number|no|nr|directly"
    r"|au|à|le|la|sur|est|mon|ma|son|sa|num[ée]ro|n°|بي|على|هو|رقم|عبر)\b))*$"
)


def _is_ipv4(s: str) -> bool:
    """IPv4 belongs to the IP recogniser; "023.73.88.99" (leading zero) is an Algerian phone."""
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    return line.strip() == text[start:end].strip()


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
            near = _PHONE_CUE_NEAR.search(text[max(0, offset - 40) : offset]) is not None
            if near and _US_LOCAL.fullmatch(cand.group()):
                results.append(self._result(cand.start(), cand.end(), "US"))
                continue
            # A number alone on its line is a signature's or a form's phone line: read it
            # as if a phone word stood before it ("Grace Wainwright\nParalegal\n07700 900418").
            near = near or _alone_on_line(text, cand.start(), cand.end())
            for part in re.finditer(r"[^/]+", cand.group()):  # "0612345678/0698765432"
                snippet = part.group().rstrip(" \t\u00a0(-.")
                lead = len(snippet) - len(snippet.lstrip(" \t\u00a0"))
                snippet = snippet.strip(" \t\u00a0")
                if self._plausible(text, snippet, offset + part.start()):
                    for start, end, region in self._match(snippet, near):
                        begin = offset + part.start() + lead
                        start, end = begin + start, begin + end
                        if text[start - 1 : start] == "(" and ")" in text[start:end]:
                            start -= 1  # "(+966) 11 465 2290": the bracket opens the number
                        results.append(self._result(start, end, region))
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

    def _match(self, snippet: str, cued: bool = False) -> list[tuple[int, int, str]]:
        head = snippet.lstrip("(")
        # Only a number written the way phones are (international prefix or trunk 0) is taken on
        # its length alone: a bare run after "call" is as often a PO or case number.
        written_as_phone = head.startswith("+") or unicodedata.digit(head[0], -1) == 0
        varied = len(set(filter(str.isdigit, snippet))) >= 3  # not "0000000000"
        possible = cued and written_as_phone and varied
        leniency = phonenumbers.Leniency.POSSIBLE if possible else self.leniency
        if head.startswith(("+", "00")):
            regions: Iterable[str] = ("FR",)  # any region with the 00 international prefix
        elif unicodedata.digit(head[0], -1) == 0:
            regions = [r for r in self.supported_regions if r not in self.NO_TRUNK_PREFIX]
        else:
            regions = [r for r in self.supported_regions if r in self.NO_TRUNK_PREFIX]
        found: list[tuple[int, int, str]] = []
        digits = sum(c.isdigit() for c in snippet)
        for region in regions:
            for m in phonenumbers.PhoneNumberMatcher(snippet, region, leniency=leniency):
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


# Four dotted numbers after a version word are a version ("Updating 4.19.41.0", "firmware
# 10.2.0.1"), not an address.
_VERSION_BEFORE = re.compile(
    r"(?i)(?:\bversion|\bver|\bv|\bbuild|\brelease|\bfirmware|\bupdating|\bupdate[ds]? to"
    r"|\bupgraded? to|\bmise à jour|\bإصدار|الإصدار|نسخة|النسخة)[\s:\"'“«]*$"
)


class VersionAwareIpRecognizer(IpRecognizer):
    """Presidio's IP recogniser, without the versions that read as IPv4."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Drop addresses that a version word introduces."""
        found = super().analyze(text, entities, nlp_artifacts)
        return [r for r in found if not _VERSION_BEFORE.search(text, 0, r.start)]


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

    def validate_result(self, pattern_text: str) -> bool | None:
        """Luhn checksum plus issuer prefix. A number that is also a well-formed French NIR or
        Egyptian national number (one in ten random numbers passes Luhn; a birth date and a key
        are rarer) is left to the national-ID recogniser (None: not confirmed as a card)."""
        d = re.sub(r"\D", "", pattern_text)
        if not (_card_prefix_ok(d) and luhn(d)):
            return False
        return None if nir_ok(pattern_text) or egypt_ok(d) else True


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
