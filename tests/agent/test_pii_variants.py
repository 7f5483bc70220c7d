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


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        # Ofcom's drama ranges: libphonenumber does not call them valid, a reader calls them phones.
        ("en", "Call me on 07700 900123 please", "07700 900123"),
        ("en", "my mobile is 07700900123", "07700900123"),
        ("en", "Phone: +44 7700 900123", "+44 7700 900123"),
        ("en", "M: 07700 900 123", "07700 900 123"),
        ("en", "Mobile - 07700-900-123", "07700-900-123"),
        ("en", "call back on 01632 960961 thanks", "01632 960961"),
        ("en", "Ph: 212 555 0147", "212 555 0147"),
        ("fr", "Vous pouvez me joindre au 07700 900123 (UK)", "07700 900123"),
    ],
)
def test_phones_after_a_phone_word(fast: PiiScrubber, lang: str, text: str, value: str) -> None:
    assert found(fast, text, lang, "PHONE") == [value]


@pytest.mark.parametrize(
    "text",
    [
        "call ref 0012345678 from last week",
        "phone model 0815 4711 is out of stock",
        "ring group 0200 1234 has no members",
        "Tel: 0000000000 is the placeholder in the form",
        "call back about PO 4500012345",
        "order 07700 900123 shipped",  # the fictional range needs a phone word
        "mobile app version 0.12.4567",
    ],
)
def test_phone_decoys_survive(fast: PiiScrubber, text: str) -> None:
    assert found(fast, text, "en", "PHONE") == [], text


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("en", "SSN no. 123456789 on the form", "123456789"),
        ("en", "NI number QQ 12 34 56 C is on my payslip", "QQ 12 34 56 C"),
        ("en", "my NI no is jg103759a", "jg103759a"),
        ("en", "passport number 123456789 for the visa letter", "123456789"),
        ("en", "passport no. X1234567", "X1234567"),
        ("en", "driver's license number D1234-56789-01234", "D1234-56789-01234"),
        ("fr", "numéro d'identification nationale 109876543210987654", "109876543210987654"),
        ("fr", "n° de passeport 12AB34567", "12AB34567"),
        ("ar", "رقم اقامتي 2345678901", "2345678901"),
        ("ar", "رقم التعريف الوطني 109876543210987654", "109876543210987654"),
        ("ar", "رقم جواز السفر 12AB34567", "12AB34567"),
        ("ar", "رقم بطاقتي الوطنية BK654321", "BK654321"),
    ],
)
def test_national_ids_after_the_cues_people_write(
    fast: PiiScrubber, lang: str, text: str, value: str
) -> None:
    assert found(fast, text, lang, "NATIONAL_ID") == [value]


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("en", "emp no 4821 cannot log in", "4821"),
        ("en", "emp. no. 4821", "4821"),
        ("en", "HR number 55012 on the letter", "55012"),
        ("en", "works number 4471", "4471"),
        ("en", "staff ref 88231", "88231"),
        ("fr", "ID employé : 4521", "4521"),
        ("fr", "badge n° 4412 désactivé", "4412"),
        ("fr", "mat. 44812", "44812"),
        ("fr", "Matricule RH: 0042-17", "0042-17"),
        ("ar", "كود الموظف 4821", "4821"),
        ("ar", "الرقم التعريفي للموظف 4821", "4821"),
        ("ar", "رقم العامل 4821", "4821"),
        ("en", "Workday ID 884412", "884412"),
        ("en", "emp-34633 is my id", "emp-34633"),
        ("fr", "ID RH 44721", "44721"),
        ("fr", "Matricule 44 721", "44 721"),
        ("ar", "الكود الوظيفي 44721", "44721"),
        ("ar", "بطاقة الموظف رقم 44721", "44721"),
        ("ar", "رقم الملف الوظيفي 44721", "44721"),
    ],
)
def test_employee_ids_after_the_cues_people_write(
    fast: PiiScrubber, lang: str, text: str, value: str
) -> None:
    assert found(fast, text, lang, "EMPLOYEE_ID") == [value]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Passport strategy fails with error 401023 on login"),
        ("en", "passport photo upload fails for case 4412345"),
        ("en", "format. 12345 rows exported"),
        ("en", "HR ticket number 12345 is closed"),
        ("en", "employee badge reader error 40123"),
        ("en", "the SAP number range 4500 000"),
        ("en", "I'm on the staff list (employee ref) and can't see my payslips since 2025-07-07."),
        ("fr", "le passeport biométrique, dossier 1234567"),
        ("ar", "تجديد جواز السفر عبر البوابة رقم الطلب 1234567"),
    ],
)
def test_identifier_decoys_next_to_cue_words_survive(
    fast: PiiScrubber, lang: str, text: str
) -> None:
    ids = [e for e in fast.analyze(text, lang) if e.type in ("NATIONAL_ID", "EMPLOYEE_ID")]
    assert ids == [], text
