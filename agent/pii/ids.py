"""National identity numbers and employee numbers: `<NATIONAL_ID>` and `<EMPLOYEE_ID>`.

Identifiers are digit runs like the ticket, order, invoice and asset numbers a ticket is full of,
so a bare digit run is never enough. A format is redacted on its own only when its structure or
checksum makes an accident unlikely (French NIR with its mod-97 key, Emirates ID 784-... with Luhn,
Egyptian 14-digit numbers that hold a birth date and a governorate code, UK National Insurance
letters, US SSN written 123-45-6789). Everything else (Saudi ID/iqama, Moroccan and Tunisian CIN,
Algerian NIN, SSN without dashes, passport and driving-licence numbers, any number) needs a cue
word in the ticket's language right before it ("national ID", "n° de sécurité sociale",
"رقم الهوية", "passport no.", ...): written as people write them (abbreviated, without the
hamza, with a possessive: "رقم اقامتي"). Passports and driving licences identify a person as
surely as a national ID and share its placeholder. Employee numbers always
need a cue ("employee number", "matricule", "الرقم الوظيفي") unless the organisation's own format
is configured (`CCAI_AGENT_PII_EMPLOYEE_ID_PATTERN`, e.g. `ST-\\d{5}`).

Eastern Arabic digits are read as ASCII (one character each, so offsets are unchanged).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

NATIONAL_ID = "NATIONAL_ID"
EMPLOYEE_ID = "EMPLOYEE_ID"
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Between a cue and its number: a few words ("is", "est", "هو", "الخاص بي"), no sentence end
# (the dot of "no." / "nr." is an abbreviation: "SSN no. 123456789"), no other digits.
_GAP = re.compile(r"(?:[^\d.!?؟\n]|(?<=\b(?i:no|nr))\.){0,40}")
# A letter prefix is glued to the digits ("BK123456", "E-10472"): "is 123456" keeps its "is".
# Passport numbers mix them ("12AB34567"); a UK NINO after its cue may be spaced ("QQ 12 34 56 C").
_NUMBER_AFTER_CUE = re.compile(
    r"(?<![\w-])(?:[A-Za-z]{0,3}-?\d(?:[ -]?\d){4,17}[A-Za-z]?|\d{1,3}[A-Za-z]{1,3}\d{4,9}"
    r"|[A-Za-z]{2} \d{2} ?\d{2} ?\d{2}(?: [A-Da-d])?)(?![\w-])"
)
# "it should be E123 not E456", "A12 ou A34": a second number joined to a cued one is one too.
_JOINED = re.compile(
    r"\s*(?:,|/|or|and|not|instead of|ou|et|pas|au lieu de|أو|و|وليس|بدلا من|بدل)\s*",
    re.IGNORECASE,
)
_EMPLOYEE_AFTER_CUE = re.compile(
    r"(?<![\w-])[A-Za-z]{0,4}[-_/]?(?:\d{3,10}(?:[-/]\d{1,6})?|\d{2,3}[ -]\d{3})[A-Za-z]?(?![\w-])"
)
# An "EMP" prefix says what the number is without a cue ("I'm EMP-34633 on the staff list").
_EMPLOYEE_PREFIXED = re.compile(r"(?<![\w-])(?:EMP|[Ee]mp)[-_]?\d{4,8}(?![\w-])")

_NATIONAL_CUES = re.compile(
    r"\b(?:national (?:id(?:entity)?|identity|insurance|number)(?: (?:card|number|no\.?))?|"
    r"id(?:entity)? (?:card|number|no\.?)|identity|ssn|social security(?: number| no\.?)?|"
    r"(?:my|the|full|last four of (?:my|the)) social|"  # US speech: "my social is ..."
    r"ni (?:number|no\.?|#)|nino|iqama|emirates id|civil id|"
    r"passport(?: (?:number|no\.?|#|id)|\s*:)|"
    r"driv(?:er|ing)['’]?s? licen[cs]e(?: (?:number|no\.?|#))?|"
    r"num[ée]ro (?:de |d['’])?(?:s[ée]curit[ée] sociale|s[ée]cu|identit[ée]|cin|insee|nir)|"
    r"n° (?:de |d['’])?(?:s[ée]curit[ée] sociale|s[ée]cu|identit[ée]|cin|insee)|"
    r"s[ée]curit[ée] sociale|s[ée]cu|nir|insee|cin|cnie|nin|carte (?:d['’]identit[ée]|nationale)|"
    r"pi[èe]ce d['’]identit[ée]|identifiant national|num[ée]ro national|"
    r"num[ée]ro d['’]identification(?: nationale?)?|identification nationale|"
    r"(?:num[ée]ro|n°) (?:de |du )?passeport|passeport (?:n°|num[ée]ro)|"
    r"(?:num[ée]ro |n° )?(?:de |du )?permis de conduire)(?!\w)"
    r"|رقم (?:ال)?هوي[ةه]|(?:ال)?هوي[ةه] (?:ال)?وطني[ةه]|بطاق[ةه] (?:ال)?(?:هوي[ةه]|تعريف|"
    r"وطني[ةه])|(?:ال)?رقم (?:ال)?(?:وطني|قومي)|رقم (?:ال)?[إا]قام(?:[ةه]|ت(?:ي|ه|ها|ك))|"
    r"(?:ال)?[إا]قام[ةه] رقم|(?:ال)?بطاق[ةه] (?:ال)?وطني[ةه]|بطاقت(?:ي|ه|ها|ك) (?:ال)?(?:وطني[ةه]|"
    r"تعريف|هوي[ةه])|الهوي[ةه]|هويت(?:ي|ه|ها|ك)|رقم (?:ال)?تعريف (?:ال)?وطني|"
    r"رقم جواز (?:ال)?سفر(?:ي|ه|ها|ك)?|جواز سفر(?:ي|ه|ها|ك)|رخص[ةه] (?:ال)?(?:قياد[ةه]|سياق[ةه])|"
    r"رخصت(?:ي|ه) (?:ال)?قياد[ةه]",
    re.IGNORECASE,
)
_EMPLOYEE_CUES = re.compile(
    r"\b(?:employee (?:number|no\.?|#|id|code|ref(?:erence)?)|staff (?:id|number|no\.?|#|code)|"
    r"personnel (?:number|no\.?|id)|payroll (?:number|no\.?|id)|"
    r"emp(?:loyee)?[ -]?id|worker id|emp\.? ?(?:no\.?|#|number|num)|hr (?:number|no\.?|id)|"
    r"works (?:number|no\.?)|staff ref(?:erence)?|mat\.|employee nr\.?|"
    r"sap (?:personnel|employee) (?:id|number|no\.?)|workday id|id rh|code agent|"
    r"id (?:employ[ée]|salari[ée]|agent)|"
    r"matricule(?: (?:employ[ée]|salari[ée]|RH))?|"
    r"num[ée]ro (?:de |d['’])?(?:employ[ée]|salari[ée]|agent|personnel|matricule)|"
    r"n° (?:de |d['’])?(?:employ[ée]|salari[ée]|agent|matricule)|"
    r"identifiant (?:employ[ée]|salari[ée]|RH)|code (?:employ[ée]|salari[ée]))(?!\w)"
    r"|(?:ال)?رقم(?:ي|ه|ها|ك)? (?:ال)?وظيف[يى]|رقم (?:ال)?موظف|رقم (?:ال)?شار[ةه]|"
    r"رقم (?:ال)?بطاق[ةه] (?:ال)?وظيفي[ةه]|رقم (?:ال)?توظيف|(?:كود|رمز) (?:ال)?موظف|"
    r"(?:ال)?رقم (?:ال)?تعريفي (?:لل|ال)موظف|رقم (?:ال)?عامل|(?:ال)?كود (?:ال)?وظيفي|"
    r"بطاق[ةه] (?:ال)?موظف(?: رقم)?|رقم (?:ال)?ملف (?:ال)?وظيفي|رقم (?:ال)?تعريف (?:ال)?وظيفي",
    re.IGNORECASE,
)


def luhn(digits: str) -> bool:
    """The Luhn check digit: payment cards, Emirates ID, Saudi national ID and iqama."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def result(rec: EntityRecognizer, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(
        entity_type=rec.supported_entities[0],
        start=start,
        end=end,
        score=score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: rec.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: rec.id,
        },
    )


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def nir_ok(text: str) -> bool:
    """French NIR (INSEE number): 13 characters and a key = 97 - (number mod 97); Corsica's
    departments 2A/2B count as 19/18."""
    s = re.sub(r"[\s.]", "", text).upper()
    if len(s) != 15 or not s[13:].isdigit():
        return False
    body = s[:13].replace("2A", "19", 1) if s[5:7] == "2A" else s[:13]
    body = body.replace("2B", "18", 1) if s[5:7] == "2B" else body
    month = int(s[3:5]) if s[3:5].isdigit() else 0
    if not body.isdigit() or not (1 <= month <= 12 or 20 <= month <= 99):
        return False
    return 97 - int(body) % 97 == int(s[13:])


def emirates_ok(text: str) -> bool:
    d = _digits(text)
    return len(d) == 15 and d.startswith("784") and luhn(d)


_EG_GOVERNORATES = frozenset(
    {1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 28, 29}
    | {31, 32, 33, 34, 35, 88}
)


def egypt_ok(text: str) -> bool:
    """Egyptian national number: century (2 = 1900s, 3 = 2000s), birth date, governorate."""
    d = _digits(text)
    if len(d) != 14 or d[0] not in "23":
        return False
    try:
        date(1800 + 100 * int(d[0]) + int(d[1:3]), int(d[3:5]), int(d[5:7]))
    except ValueError:
        return False
    return int(d[7:9]) in _EG_GOVERNORATES


def ssn_ok(text: str) -> bool:
    """US SSN: no area 000, 666 or 9xx, no zero group or serial, same separator throughout."""
    d = _digits(text)
    separators = set(re.sub(r"\d", "", text))
    if len(d) != 9 or len(separators) > 1:
        return False
    return d[:3] not in ("000", "666") and d[0] != "9" and d[3:5] != "00" and d[5:] != "0000"


def saudi_ok(text: str) -> bool:
    """Saudi national ID (1...) or iqama (2...): ten digits, Luhn."""
    d = _digits(text)
    return len(d) == 10 and d[0] in "12" and luhn(d)


@dataclass(frozen=True)
class IdFormat:
    """One identifier format: how it looks, how it is checked, whether it stands alone."""

    name: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]
    alone: bool  # redacted without a cue word (the check makes an accident unlikely)


_B, _E = r"(?<![\w-])", r"(?![\w-])"
FORMATS: tuple[IdFormat, ...] = (
    IdFormat(
        "fr_nir",
        re.compile(
            _B
            + r"[12378][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}"
            + _E,
            re.IGNORECASE,
        ),
        nir_ok,
        alone=True,
    ),
    IdFormat(
        "ae_emirates_id", re.compile(_B + r"784[- ]?\d{4}[- ]?\d{7}[- ]?\d" + _E), emirates_ok, True
    ),
    IdFormat("eg_national_id", re.compile(_B + r"[23]\d{13}" + _E), egypt_ok, alone=True),
    IdFormat(
        "gb_nino",
        re.compile(
            _B + r"(?!BG|GB|NK|KN|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2}"
            r" ?[A-D]" + _E
        ),
        lambda _: True,
        alone=True,
    ),
    IdFormat("us_ssn", re.compile(_B + r"\d{3}-\d{2}-\d{4}" + _E), ssn_ok, alone=True),
    IdFormat("us_ssn_plain", re.compile(_B + r"\d{3}[ .]?\d{2}[ .]?\d{4}" + _E), ssn_ok, False),
    IdFormat("sa_national_id", re.compile(_B + r"[12]\d{9}" + _E), saudi_ok, alone=False),
)


# Cues that name a format with a shape of its own: a value of that shape further on in the
# same paragraph is the number the cue spoke of ("mon numéro de CIN pour réinitialiser mon mot
# de passe, je l'ai saisi (JB318764)"; "mon NIN ... le mien en fait 18 : 1199...").
NAMED_FORMATS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"\b(?:CIN|CNIE)\b", re.IGNORECASE),
        re.compile(r"(?<![\w-])[A-Z]{1,2}\d{5,6}(?![\w-])"),
    ),
    (re.compile(r"\bNIN\b", re.IGNORECASE), re.compile(r"(?<![\w-])\d{18}(?![\w-])")),
)
_NAMED_REACH = 200  # characters after the cue, within its paragraph


def _named_values(text: str) -> list[tuple[int, int]]:
    """Values of a shape that a cue named earlier in the paragraph."""
    spans = []
    for cue, shape in NAMED_FORMATS:
        for c in cue.finditer(text):
            stop = text.find("\n\n", c.end())
            end = min(len(text), c.end() + _NAMED_REACH, len(text) if stop < 0 else stop)
            spans += [m.span() for m in shape.finditer(text, c.end(), end)]
    return spans


def _cued(text: str, start: int, cues: re.Pattern[str], lookback: int = 60) -> bool:
    """Whether a cue ends shortly before `start`, separated only by a few words."""
    window = text[max(0, start - lookback) : start]
    return any(_GAP.fullmatch(window[m.end() :]) for m in cues.finditer(window))


def _number_after(text: str, cue_end: int, shape: re.Pattern[str]) -> re.Match[str] | None:
    """The first number of `shape` after a cue, with only a short gap (`_GAP`) between: at most
    41 anchored tries, however long the ticket."""
    gap = _GAP.match(text, cue_end)
    for start in range(cue_end, (gap.end() if gap else cue_end) + 1):
        if m := shape.match(text, start):
            return m
    return None


def _with_joined(text: str, first: re.Match[str], shape: re.Pattern[str]) -> list[tuple[int, int]]:
    """The cued number's span and those of numbers of the same shape joined right after it."""
    spans = [(first.start(), first.end())]
    while joint := _JOINED.match(text, spans[-1][1]):
        nxt = shape.match(text, joint.end())
        if nxt is None or joint.end() == spans[-1][1]:
            break
        spans.append((nxt.start(), nxt.end()))
    return spans


class NationalIdRecognizer(LocalRecognizer):
    """National identity numbers of the countries whose phone numbers the scrubber covers."""

    SCORE_CHECKED = 0.95  # above phones (0.7): "784-..." is also a plausible phone number
    SCORE_CUED = 0.9

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        ascii_text = text.translate(_ARABIC_DIGITS)
        out: list[RecognizerResult] = []
        taken: list[tuple[int, int]] = []
        for fmt in FORMATS:
            for m in fmt.pattern.finditer(ascii_text):
                if not fmt.valid(m.group()):
                    continue
                if fmt.alone or _cued(ascii_text, m.start(), _NATIONAL_CUES):
                    out.append(result(self, m.start(), m.end(), self.SCORE_CHECKED))
                    taken.append((m.start(), m.end()))
        # Any number right after a cue (CIN "BK123456", Tunisian 8 digits, Algerian NIN...).
        for cue in _NATIONAL_CUES.finditer(ascii_text):
            m = _number_after(ascii_text, cue.end(), _NUMBER_AFTER_CUE)
            if m is None:
                continue
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if sum(ch.isdigit() for ch in m.group()) >= 5:
                for start, end in _with_joined(ascii_text, m, _NUMBER_AFTER_CUE):
                    out.append(result(self, start, end, self.SCORE_CUED))
                    taken.append((start, end))
        for start, end in _named_values(ascii_text):
            if not any(s < end and start < e for s, e in taken):
                out.append(result(self, start, end, self.SCORE_CUED))
                taken.append((start, end))
        return out


class EmployeeIdRecognizer(LocalRecognizer):
    """Employee / staff numbers after a cue word, and the organisation's own format if set."""

    SCORE = 0.85

    def __init__(self, *args, organisation_pattern: str | None = None, **kwargs) -> None:
        self.organisation = (
            re.compile(rf"(?<![\w-])(?:{organisation_pattern})(?![\w-])")
            if organisation_pattern
            else None
        )
        super().__init__(*args, **kwargs)

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        ascii_text = text.translate(_ARABIC_DIGITS)
        out = []
        for cue in _EMPLOYEE_CUES.finditer(ascii_text):
            m = _number_after(ascii_text, cue.end(), _EMPLOYEE_AFTER_CUE)
            if m:
                for start, end in _with_joined(ascii_text, m, _EMPLOYEE_AFTER_CUE):
                    out.append(result(self, start, end, self.SCORE))
        for shape in filter(None, (_EMPLOYEE_PREFIXED, self.organisation)):
            for m in shape.finditer(ascii_text):
                out.append(result(self, m.start(), m.end(), self.SCORE))
        return out
