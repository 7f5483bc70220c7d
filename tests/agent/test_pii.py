"""PII scrubber: every entity type found and replaced in each language, offsets into the original
text, product words left alone, nothing fetched from the network, and the recall targets on the
labelled PII sets (data/pii/pii_cases.jsonl and pii_id_cases.jsonl, built by
devtools/make_pii_cases.py and make_pii_id_cases.py, and the hand-written held-out set in
data/pii/holdout/; scored by devtools/pii_score.py)."""

from __future__ import annotations

import itertools

import pytest

from agent.pii import (
    PLACEHOLDERS,
    Entity,
    PiiScrubber,
    Scrubbed,
    name_candidates,
    needs_ner,
    ner_windows,
)
from devtools.pii_score import HELDOUT, ORGANISATION_PATTERN, evaluate, load_cases


@pytest.fixture(scope="module")
def scrubber() -> PiiScrubber:
    # NER on, gated, the fixture's staff-number format: the most complete configuration.
    return PiiScrubber(employee_id_pattern=ORGANISATION_PATTERN)


@pytest.fixture(scope="module")
def fast() -> PiiScrubber:
    return PiiScrubber(ner=False)


def redact(text: str, entities: list[Entity]) -> str:
    """What `Scrubbed.text` must be, rebuilt from the original text and the entity offsets."""
    out, pos = [], 0
    for e in entities:
        out += [text[pos : e.start], PLACEHOLDERS[e.type]]
        pos = e.end
    return "".join([*out, text[pos:]])


def check(result: Scrubbed, text: str, etype: str, value: str) -> None:
    hits = [e for e in result.entities if e.type == etype]
    assert [text[e.start : e.end] for e in hits] == [value], result
    assert value not in result.text
    assert PLACEHOLDERS[etype] in result.text
    assert result.text == redact(text, result.entities)


CASES = {
    "en": {
        "PERSON": ("Printer is jammed again.\nRegards,\nJohn Smith", "John Smith"),
        "EMAIL": ("Please reply to anna.k@example.co.uk about it.", "anna.k@example.co.uk"),
        "PHONE": ("Call me back on +44 7911 123456 today.", "+44 7911 123456"),
        "IBAN": ("Refund to GB82 WEST 1234 5698 7654 32 please.", "GB82 WEST 1234 5698 7654 32"),
        "CARD": ("Card 4111 1111 1111 1111 was charged twice.", "4111 1111 1111 1111"),
        "IP_ADDRESS": ("VPN blocks my IP 192.168.10.25 since noon.", "192.168.10.25"),
        "URL": (
            "Job pulls from https://svc:Hunter2@git.corp.local/repo.git nightly.",
            "https://svc:Hunter2@git.corp.local/repo.git",
        ),
    },
    "fr": {
        "PERSON": ("L'imprimante est bloquée.\nCordialement,\nMarie Dupont", "Marie Dupont"),
        "EMAIL": ("Répondre à jean.martin@exemple.fr svp.", "jean.martin@exemple.fr"),
        "PHONE": ("Rappelez-moi au 06 12 34 56 78 merci.", "06 12 34 56 78"),
        "IBAN": (
            "Virement sur FR76 3000 6000 0112 3456 7890 189 svp.",
            "FR76 3000 6000 0112 3456 7890 189",
        ),
        "CARD": ("La carte 5555 5555 5555 4444 a été débitée.", "5555 5555 5555 4444"),
        "IP_ADDRESS": ("Le VPN bloque l'adresse 10.20.30.40 depuis midi.", "10.20.30.40"),
        "URL": (
            "Sauvegarde via ftp://backup:Mdp2024@10.0.0.9/share chaque nuit.",
            "ftp://backup:Mdp2024@10.0.0.9/share",
        ),
    },
    "ar": {
        "PERSON": ("الطابعة لا تعمل.\nمع تحياتي،\nمحمد العتيبي", "محمد العتيبي"),
        "EMAIL": ("يرجى الرد على salma.b@example.com بخصوص المشكلة.", "salma.b@example.com"),
        "PHONE": ("يرجى الاتصال بي على +966 50 123 4567 اليوم.", "+966 50 123 4567"),
        "IBAN": (
            "يرجى التحويل إلى SA03 8000 0000 6080 1016 7519 شكرا.",
            "SA03 8000 0000 6080 1016 7519",
        ),
        "CARD": ("تم خصم المبلغ من البطاقة 378282246310005 مرتين.", "378282246310005"),
        "IP_ADDRESS": ("الشبكة تحظر عنواني 172.16.5.4 منذ الصباح.", "172.16.5.4"),
        "URL": (
            "الاتصال عبر sftp://admin:Pa55word@files.example.com/in يفشل.",
            "sftp://admin:Pa55word@files.example.com/in",
        ),
    },
}


@pytest.mark.parametrize(
    ("language", "etype"), [(lang, t) for lang, types in CASES.items() for t in types]
)
def test_each_type_detected_and_replaced(scrubber: PiiScrubber, language: str, etype: str) -> None:
    text, value = CASES[language][etype]
    check(scrubber.scrub(text, language), text, etype, value)


@pytest.mark.parametrize(
    ("language", "etype"),
    [(lang, t) for lang, types in CASES.items() for t in types if t != "PERSON" or lang == "ar"],
)
def test_fast_path_and_unknown_language(fast: PiiScrubber, language: str, etype: str) -> None:
    """Patterns and Arabic names need no model and no language."""
    text, value = CASES[language][etype]
    check(fast.scrub(text, language), text, etype, value)
    check(fast.scrub(text, None), text, etype, value)
    check(fast.scrub(text, "de"), text, etype, value)  # unsupported code: treated as unknown


def test_fast_path_names_in_greetings_and_signatures(fast: PiiScrubber) -> None:
    text = "Hi Sarah,\nOutlook crashes on start.\nThanks,\nTom Baker"
    result = fast.scrub(text, "en")
    assert [text[e.start : e.end] for e in result.entities] == ["Sarah", "Tom Baker"]
    text = "Bonjour Mme Lefèvre, Teams ne démarre plus. Cordialement, Jean-Pierre Durand"
    result = fast.scrub(text, "fr")
    assert [text[e.start : e.end] for e in result.entities] == ["Lefèvre", "Jean-Pierre Durand"]


def test_arabic_indic_digits_and_local_formats(fast: PiiScrubber) -> None:
    numbers = {
        "ar": ["٠٥٠١٢٣٤٥٦٧", "0661 23 45 67", "010 1234 5678", "+216 20 123 456"],
        "fr": ["0551 23 45 67", "+212 6 61 23 45 67", "0033 6 12 34 56 78", "tél : 20 123 456"],
        "en": ["(415) 867-5309", "07911 123456", "+971 50 123 4567", "+20 10 1234 5678"],
    }
    for lang, values in numbers.items():
        for value in values:
            text = f"Contact: {value}."
            found = [text[e.start : e.end] for e in fast.scrub(text, lang).entities]
            assert found and found[0] in value and len(found[0]) >= 9, (lang, value, found)


PRODUCT_TEXT = {
    "en": "Since the Windows 11 update (10.0.22631.3296, KB5034441) Outlook and Teams crash, "
    "the VPN drops and SAP shows 0x80070005. HP LaserJet Pro M404dn on floor 3, ticket "
    "INC0012345 opened 2025-03-15 at 10:30, asset PC-004512, MAC 00:1A:2B:3C:4D:5E, "
    "order PO 4507219359, see https://intranet.corp.local/helpdesk.",
    "fr": "Depuis la mise à jour Windows 11 (KB5034441), Outlook et Teams plantent, le VPN "
    "coupe et SAP affiche 0x80070005. Imprimante HP LaserJet Pro M404dn, ticket INC0012345 "
    "du 15/03/2025, Dell Latitude 5420, commande PO 4507219359, version 16.0.17029.20068.",
    "ar": "منذ تحديث Windows 11 (KB5034441) يتوقف Outlook و Teams عن العمل وينقطع VPN "
    "ويعرض SAP الخطأ 0x80070005. الطابعة HP LaserJet Pro M404dn، التذكرة INC0012345 "
    "بتاريخ 2025-03-15، الإصدار 10.0.19045.3803، الطلب PO 4507219359.",
}


@pytest.mark.parametrize("language", ["en", "fr", "ar", None])
def test_product_words_survive(scrubber: PiiScrubber, language: str | None) -> None:
    for text in PRODUCT_TEXT.values():
        result = scrubber.scrub(text, language)
        assert result.entities == [], result.entities
        assert result.text == text


def test_no_network_for_email_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Presidio's stock e-mail check calls tldextract, which downloads the suffix list."""
    import tldextract

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract called")

    monkeypatch.setattr(tldextract, "extract", refuse)
    monkeypatch.setattr(tldextract.TLDExtract, "__call__", refuse)
    text = "Write to ops@corp.local or ops@example.org."
    assert len(PiiScrubber(ner=False).scrub(text, "en").entities) == 2


def test_empty_and_plain_text(scrubber: PiiScrubber) -> None:
    assert scrubber.scrub("", "en") == Scrubbed("", [])
    assert scrubber.scrub("printer offline", None) == Scrubbed("printer offline", [])


def test_offsets_consistent_on_fixture(scrubber: PiiScrubber) -> None:
    for case in load_cases()[::7]:
        result = scrubber.scrub(case["text"], case["language"])
        assert result.text == redact(case["text"], result.entities)
        spans = [(e.start, e.end) for e in result.entities]
        assert spans == sorted(spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


# Targets from the brief on the generated sets (splits "dev" and "dev2", both tuned on); the
# hand-written held-out set (data/pii/holdout/, nothing tuned on it) gets regression floors a
# little under its measured level (python -m bench.pii, 2026-12-03: names en 0.86 / fr 0.92 /
# ar 0.89, national ids 0.82-0.91, employee numbers 0.88, English phones 3 of 5; after the
# variant batteries of test_pii_variants.py, same day: national ids 0.91-1.00, phones 4 of 5).
PATTERN_TARGET = 0.98
# Arabic dev names: 0.86 (the "dev2" Faker names that are also words, with no family name or
# cue after them, are missed on purpose: they would flag the words in every ticket).
PERSON_TARGET = {"en": 0.95, "fr": 0.95, "ar": 0.85}
HELDOUT_FLOOR = {
    "EMAIL": 0.98,
    "IBAN": 0.98,
    "CARD": 0.98,
    "IP_ADDRESS": 0.98,
    "URL": 0.98,
    "PHONE": 0.8,
    "NATIONAL_ID": 0.9,
    "EMPLOYEE_ID": 0.85,
}
HELDOUT_PERSON_FLOOR = {"en": 0.82, "fr": 0.85, "ar": 0.85}


# The hand-written development set (data/pii/dev3/, tuned on since 2026-12-04), measured that
# day: names en 0.99 / fr 0.97 / ar 0.88, French national ids 10 of 12 (two Moroccan CINs in a
# list with no cue), every other type 1.00; floors a little under.
DEV3_PERSON_FLOOR = {"en": 0.95, "fr": 0.95, "ar": 0.85}
DEV3_FLOOR = {**HELDOUT_FLOOR, "PHONE": 0.95, "NATIONAL_ID": 0.8, "EMPLOYEE_ID": 0.95}


def test_recall_targets_on_fixture(scrubber: PiiScrubber) -> None:
    cases = load_cases()
    dev = evaluate(scrubber, [c for c in cases if c["split"] in ("dev", "dev2")])
    dev3 = evaluate(scrubber, [c for c in cases if c["split"] == "dev3"])
    heldout = evaluate(scrubber, [c for c in cases if c["split"] == HELDOUT])
    for lang in ("en", "fr", "ar"):
        assert dev3[lang]["PERSON"]["recall"] >= DEV3_PERSON_FLOOR[lang], (lang, dev3[lang])
        assert dev3[lang]["PERSON"]["precision"] >= 0.95, (lang, dev3[lang])
        for etype, floor in DEV3_FLOOR.items():
            assert dev3[lang][etype]["recall"] >= floor, (lang, etype, dev3[lang])
    for lang in ("en", "fr", "ar"):
        for etype in (*HELDOUT_FLOOR, "PERSON"):
            target = PERSON_TARGET[lang] if etype == "PERSON" else PATTERN_TARGET
            assert dev[lang][etype]["recall"] >= target, (lang, etype, dev[lang])
            floor = HELDOUT_PERSON_FLOOR[lang] if etype == "PERSON" else HELDOUT_FLOOR[etype]
            assert heldout[lang][etype]["recall"] >= floor, (lang, etype, heldout[lang])
            if etype != "PERSON":
                assert heldout[lang][etype]["precision"] >= 0.95, (lang, etype, heldout[lang])
        assert heldout[lang]["PERSON"]["precision"] >= 0.85, (lang, heldout[lang])


def test_ner_on_windows_finds_what_ner_on_the_whole_text_finds(scrubber: PiiScrubber) -> None:
    """The gated scrubber runs NER only around name candidates; on tickets where the gate fires,
    it must find the same person spans as NER over the whole ticket."""
    whole = PiiScrubber(ner_gate=False)
    cases = [
        c
        for c in load_cases()
        if c["language"] in ("en", "fr") and needs_ner(c["text"]) and len(c["text"]) > 200
    ]
    assert len(cases) > 100
    same = 0
    for case in cases:
        persons = [
            {
                (e.start, e.end)
                for e in s.analyze(case["text"], case["language"])
                if e.type == "PERSON"
            }
            for s in (scrubber, whole)
        ]
        same += persons[0] == persons[1]
    assert same / len(cases) >= 0.97, f"{same}/{len(cases)} agree"


def test_ner_windows_merge_and_never_cut_words() -> None:
    text = (
        "Bonjour, "
        + "rien " * 40
        + "Anna Roy a un souci avec Outlook et Marc aussi. "
        + "encore " * 40
    )
    windows = ner_windows(text, name_candidates(text))
    assert len(windows) == 1  # "Anna" and "Marc" are close: one window
    lo, hi = windows[0]
    assert "Anna Roy" in text[lo:hi] and "Marc" in text[lo:hi]
    assert (lo == 0 or text[lo - 1].isspace()) and (hi == len(text) or text[hi].isspace())
    assert hi - lo < len(text) / 2
    assert ner_windows("no names here", name_candidates("no names here")) == []


def test_french_inverted_question_is_not_a_name(scrubber: PiiScrubber) -> None:
    """spaCy's French model tags "Pouvez" in "Pouvez-vous" as a person; the verb must survive."""
    text = "Le VPN ne marche plus. Pouvez-vous m'aider ? Cordialement, Julie Martin"
    result = scrubber.scrub(text, "fr")
    assert "Pouvez-vous" in result.text
    assert [text[e.start : e.end] for e in result.entities] == ["Julie Martin"]


# National identifiers and employee numbers (agent/pii/ids.py): one valid example per format,
# the same digits with a wrong checksum, and decoys that must survive.
VALID_IDS = [
    ("en", "Payroll rejected SSN 123-45-6788 on the form.", "123-45-6788"),
    ("en", "HR has my NI number as AB 12 34 56 C which is wrong.", "AB 12 34 56 C"),
    ("en", "Visa tool refuses 784-1985-1234567-3 for my trip.", "784-1985-1234567-3"),
    ("fr", "Le portail refuse le 1 84 12 76 451 089 46 depuis hier.", "1 84 12 76 451 089 46"),
    ("fr", "Ma fiche indique 2 90 05 2A 004 012 66 pour la mutuelle.", "2 90 05 2A 004 012 66"),
    ("en", "The visa portal wants 29001011234567 again.", "29001011234567"),
    ("ar", "رقم الهوية ١٠١٢٣٤٥٦٧٢ غير مقبول في النظام", "١٠١٢٣٤٥٦٧٢"),
    ("fr", "Ma CIN BK123456 est refusée par le formulaire.", "BK123456"),
    ("ar", "بطاقة التعريف الوطنية رقم 01234567 لا تظهر", "01234567"),
]


@pytest.mark.parametrize(("language", "text", "value"), VALID_IDS)
def test_national_ids_redacted(fast: PiiScrubber, language: str, text: str, value: str) -> None:
    check(fast.scrub(text, language), text, "NATIONAL_ID", value)


@pytest.mark.parametrize(
    "text",
    [
        "The portal wants 784-1985-1234567-4 for the trip.",  # Emirates ID, wrong Luhn digit
        "Le portail refuse le 1 84 12 76 451 089 47 depuis hier.",  # NIR, wrong key
        "The visa portal wants 29013011234567 again.",  # Egypt, month 13
        "Payroll shows 666-45-6788 on the form.",  # SSN area never issued
        "Reference 1012345672 on the courier slip.",  # Saudi-shaped, but no cue word
    ],
)
def test_invalid_or_uncued_numbers_survive(fast: PiiScrubber, text: str) -> None:
    assert not [e for e in fast.analyze(text, "en") if e.type == "NATIONAL_ID"], text


@pytest.mark.parametrize(
    ("language", "text", "values"),
    [
        ("en", "Please fix employee number E12345 in Workday.", ["E12345"]),
        ("en", "Staff ID: 48213, laptop PC-02151485.", ["48213"]),
        ("en", "employee number should be EMP-89267 not EMP-37426.", ["EMP-89267", "EMP-37426"]),
        ("fr", "Merci de corriger le matricule 77120 dans SAP.", ["77120"]),
        ("ar", "الرقم الوظيفي E-10472 لا يعمل في البوابة", ["E-10472"]),
    ],
)
def test_employee_ids_after_cue_words(
    fast: PiiScrubber, language: str, text: str, values: list[str]
) -> None:
    found = [text[e.start : e.end] for e in fast.analyze(text, language) if e.type == "EMPLOYEE_ID"]
    assert found == values, fast.analyze(text, language)


def test_organisation_staff_format_is_a_setting() -> None:
    text = "Colleague ST-00421 needs the finance drive."
    assert PiiScrubber(ner=False).scrub(text, "en").text == text
    redacted = PiiScrubber(ner=False, employee_id_pattern=r"ST-\d{5}").scrub(text, "en").text
    assert redacted == "Colleague <EMPLOYEE_ID> needs the finance drive."


def test_identifier_decoys_survive(scrubber: PiiScrubber) -> None:
    """Tickets of the identifier fixture that hold no personal data keep every number."""
    clean = [c for c in load_cases() if c.get("kind") == "ids" and not c["entities"]]
    assert len(clean) >= 50
    for case in clean:
        found = scrubber.analyze(case["text"], case["language"])
        assert not [e for e in found if e.type in ("NATIONAL_ID", "EMPLOYEE_ID")], case
