"""Phone numbers and identifiers written the way people write them, not the way the fixtures'
templates do: fictional-range phones after a phone word, abbreviated and possessive cues,
Arabic without the hamza, passports and driving licences, spaced NINOs. Each value must be
redacted whole, and the decoys next to the same cue words must survive. Patterns only
(ner=False): none of this may depend on NER."""

from __future__ import annotations

import pytest

from agent.pii import PiiScrubber


@pytest.fixture(scope="module")
def fast() -> PiiScrubber:
    return PiiScrubber(ner=False)


def found(scrubber: PiiScrubber, text: str, lang: str, etype: str) -> list[str]:
    return [text[e.start : e.end] for e in scrubber.analyze(text, lang) if e.type == etype]


PHONE, IDS = ("PHONE",), ("NATIONAL_ID", "EMPLOYEE_ID")


@pytest.mark.parametrize(
    ("etype", "lang", "text", "value"),
    [
        # Ofcom's drama ranges: libphonenumber does not call them valid, a reader calls them phones.
        ("PHONE", "en", "Call me on 07700 900123 please", "07700 900123"),
        ("PHONE", "en", "my mobile is 07700900123", "07700900123"),
        ("PHONE", "en", "Phone: +44 7700 900123", "+44 7700 900123"),
        ("PHONE", "en", "M: 07700 900 123", "07700 900 123"),
        ("PHONE", "en", "Mobile - 07700-900-123", "07700-900-123"),
        ("PHONE", "en", "call back on 01632 960961 thanks", "01632 960961"),
        ("PHONE", "en", "Ph: 212 555 0147", "212 555 0147"),
        ("PHONE", "fr", "Vous pouvez me joindre au 07700 900123 (UK)", "07700 900123"),
        # National identifiers after the cues people write.
        ("NATIONAL_ID", "en", "SSN no. 123456789 on the form", "123456789"),
        ("NATIONAL_ID", "en", "NI number QQ 12 34 56 C is on my payslip", "QQ 12 34 56 C"),
        ("NATIONAL_ID", "en", "my NI no is jg103759a", "jg103759a"),
        ("NATIONAL_ID", "en", "passport number 123456789 for the visa letter", "123456789"),
        ("NATIONAL_ID", "en", "passport no. X1234567", "X1234567"),
        ("NATIONAL_ID", "en", "driver's license number D1234-56789-01234", "D1234-56789-01234"),
        (
            "NATIONAL_ID",
            "fr",
            "numéro d'identification nationale 109876543210987654",
            "109876543210987654",
        ),
        ("NATIONAL_ID", "fr", "n° de passeport 12AB34567", "12AB34567"),
        ("NATIONAL_ID", "ar", "رقم اقامتي 2345678901", "2345678901"),
        ("NATIONAL_ID", "ar", "رقم التعريف الوطني 109876543210987654", "109876543210987654"),
        ("NATIONAL_ID", "ar", "رقم جواز السفر 12AB34567", "12AB34567"),
        ("NATIONAL_ID", "ar", "رقم بطاقتي الوطنية BK654321", "BK654321"),
        # Employee numbers after the cues people write.
        ("EMPLOYEE_ID", "en", "emp no 4821 cannot log in", "4821"),
        ("EMPLOYEE_ID", "en", "emp. no. 4821", "4821"),
        ("EMPLOYEE_ID", "en", "HR number 55012 on the letter", "55012"),
        ("EMPLOYEE_ID", "en", "works number 4471", "4471"),
        ("EMPLOYEE_ID", "en", "staff ref 88231", "88231"),
        ("EMPLOYEE_ID", "fr", "ID employé : 4521", "4521"),
        ("EMPLOYEE_ID", "fr", "mat. 44812", "44812"),
        ("EMPLOYEE_ID", "fr", "Matricule RH: 0042-17", "0042-17"),
        ("EMPLOYEE_ID", "ar", "كود الموظف 4821", "4821"),
        ("EMPLOYEE_ID", "ar", "الرقم التعريفي للموظف 4821", "4821"),
        ("EMPLOYEE_ID", "ar", "رقم العامل 4821", "4821"),
        ("EMPLOYEE_ID", "en", "Workday ID 884412", "884412"),
        ("EMPLOYEE_ID", "en", "emp-34633 is my id", "emp-34633"),
        ("EMPLOYEE_ID", "fr", "ID RH 44721", "44721"),
        ("EMPLOYEE_ID", "fr", "Matricule 44 721", "44 721"),
        ("EMPLOYEE_ID", "ar", "الكود الوظيفي 44721", "44721"),
        ("EMPLOYEE_ID", "ar", "بطاقة الموظف رقم 44721", "44721"),
        ("EMPLOYEE_ID", "ar", "رقم الملف الوظيفي 44721", "44721"),
    ],
)
def test_redacted_whole(fast: PiiScrubber, etype: str, lang: str, text: str, value: str) -> None:
    assert found(fast, text, lang, etype) == [value]


@pytest.mark.parametrize(
    ("types", "lang", "text"),
    [
        (PHONE, "en", "call ref 0012345678 from last week"),
        (PHONE, "en", "phone model 0815 4711 is out of stock"),
        (PHONE, "en", "ring group 0200 1234 has no members"),
        (PHONE, "en", "Tel: 0000000000 is the placeholder in the form"),
        (PHONE, "en", "call back about PO 4500012345"),
        (PHONE, "en", "order 07700 900123 shipped"),  # the fictional range needs a phone word
        (PHONE, "en", "mobile app version 0.12.4567"),
        # Identifier decoys next to the cue words.
        (IDS, "en", "Passport strategy fails with error 401023 on login"),
        (IDS, "en", "passport photo upload fails for case 4412345"),
        (IDS, "en", "format. 12345 rows exported"),
        (IDS, "en", "HR ticket number 12345 is closed"),
        (IDS, "en", "employee badge reader error 40123"),
        # A badge is a door card, not the employee number (data/pii conventions).
        (IDS, "fr", "badge n° 4412 désactivé"),
        (IDS, "en", "badge number 20331 lent to the contractor"),
        (IDS, "en", "the SAP number range 4500 000"),
        (
            IDS,
            "en",
            "I'm on the staff list (employee ref) and can't see my payslips since 2025-07-07.",
        ),
        (IDS, "fr", "le passeport biométrique, dossier 1234567"),
        (IDS, "ar", "تجديد جواز السفر عبر البوابة رقم الطلب 1234567"),
    ],
)
def test_decoys_survive(fast: PiiScrubber, types: tuple[str, ...], lang: str, text: str) -> None:
    assert [e for e in fast.analyze(text, lang) if e.type in types] == [], text
