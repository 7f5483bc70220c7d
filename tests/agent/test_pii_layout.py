"""Names that the layout gives away, names completed across a ticket, and the namesakes (streets,
rooms, companies, versions) that must survive. Patterns only (ner=False): these rules do not
depend on the NER model, so a failure here is the rule's own."""

from __future__ import annotations

import pytest

from agent.pii import PiiScrubber


@pytest.fixture(scope="module")
def fast() -> PiiScrubber:
    return PiiScrubber(ner=False, employee_id_pattern=r"ST-\d{5}")


def found(scrubber: PiiScrubber, text: str, lang: str, etype: str = "PERSON") -> list[str]:
    return [text[e.start : e.end] for e in scrubber.analyze(text, lang) if e.type == etype]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # Chat speakers, lowercase words that are also words: timestamps, or turns that return.
        (
            "[10:02] rob: outlook froze\n[10:03] helpdesk: which version?\n[10:04] rob: 2016",
            "en",
            ["rob", "rob"],
        ),
        ("sky: wifi down again\nhelpdesk: which floor\nsky: third", "en", ["sky", "sky"]),
        (
            "karim: الطابعة ما تطبع\nhelpdesk: أي طابعة؟\nkarim: اللي في الممر",
            "ar",
            ["karim", "karim"],
        ),
        # Signature blocks: the name line above a job title or a phone number.
        (
            "Merci d'avance,\n\nOrnella Vasseur\nComptable\n01 99 00 12 34",
            "fr",
            ["Ornella Vasseur"],
        ),
        ("Ticket raised by phone.\nTemperance Okoro\nPayroll Officer", "en", ["Temperance Okoro"]),
        # Self-introductions after the name, "it's X from ...".
        ("Forrest Lyle here. the VPN drops every hour", "en", ["Forrest Lyle"]),
        ("hey its priya from accounts, excel keeps crashing", "en", ["priya"]),
        # Mail headers, initials, surnames in capitals, titles before a surname in capitals.
        ("From: Ivo Brankov <ivo.brankov@example.com>\nSubject: VPN", "en", ["Ivo Brankov"]),
        ("Please add R. Mbatha and S.-J. Park to the group.", "en", ["R. Mbatha", "S.-J. Park"]),
        ("Nom : FONTAINE Gaëlle\nService : RH", "fr", ["FONTAINE Gaëlle"]),
        ("Le poste de Mme GARNIER est bloqué.", "fr", ["GARNIER"]),
        ("My manager Mr. Al-Dosari approved it.", "en", ["Al-Dosari"]),
        # A name found once is redacted where the ticket repeats it.
        (
            "New starter: Temperance Okoro (Payroll). Okoro starts Monday.",
            "en",
            ["Temperance Okoro", "Okoro"],
        ),
        # Latin-script names in Arabic tickets; Central European letters.
        ("الرجاء تفعيل حساب المتدربة Zofia Kwiatkowska اليوم", "ar", ["Zofia Kwiatkowska"]),
        # Arabic: "I am", a kunya, a title with a dot, a greeting with the name it closes.
        ("أنا رغد الحارثي من المالية، الطابعة لا تعمل", "ar", ["رغد الحارثي"]),
        ("أبو فهد يقول إن الشاشة سوداء", "ar", ["أبو فهد"]),
        ("مكتب د. فيلدمان في الطابق الثالث", "ar", ["فيلدمان"]),
    ],
)
def test_names_found(fast: PiiScrubber, text: str, lang: str, expected: list[str]) -> None:
    assert found(fast, text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # Forms are not chats: each field appears once.
        ("Asset: LT-0441\nModel: Latitude\nOwner dept: Finance\nIssue: fan noise", "en"),
        ("البند: رخصة\nالمبلغ: 300 ريال\nملاحظة: عاجل", "ar"),
        # Streets, rooms, buildings, companies named after people; greetings; versions; quotes.
        ("Le wifi de l'agence rue Émile Zola ne marche plus.", "fr"),
        ("La salle Marie Curie n'a plus de son.", "fr"),
        ("The projector in the Ada Lovelace room is broken.", "en"),
        ("Invoice from Goldman Sachs is missing in the portal.", "en"),
        ("Invoices from Ernst & Young are stuck.", "en"),
        ("Salam,\nle VPN coupe depuis ce matin.", "fr"),
        ("Please install Julia 1.10 on the lab machines.", "en"),
        ("Le thème « Jasmine » a disparu d'Outlook.", "fr"),
        ("الإنترنت ضعيف في فرع طريق الملك عبدالعزيز", "ar"),
        ("تم الشراء من شركة الراجحي للحاسبات", "ar"),
        # Arabic words a listed name shares: "the screen light", "in the company's name".
        ("نور الشاشة ضعيف جدا", "ar"),
        ("الفاتورة طلعت باسم الشركة غلط", "ar"),
        ("لقيت جوا الـ config خطأ", "ar"),
        # Job-title lines under a signature are not names.
        ("Regards,\nSenior Paralegal\n020 7946 0123", "en"),
    ],
)
def test_namesakes_and_layouts_left_alone(fast: PiiScrubber, text: str, lang: str) -> None:
    assert found(fast, text, lang) == []


def test_a_repeated_word_name_is_redacted_only_where_it_is_a_name(fast: PiiScrubber) -> None:
    text = "Grace Obi here, my laptop is dead.\nThe grace period ended. Thanks Grace"
    assert found(fast, text, "en") == ["Grace Obi", "Grace"]


@pytest.mark.parametrize(
    ("text", "lang", "etype", "value"),
    [
        ("Signature\nParalegal\n07700 900661", "en", "PHONE", "07700 900661"),  # a line alone
        ("Phone: 555-0172", "en", "PHONE", "555-0172"),
        ("اتصل على (+971) 4 555 0199", "ar", "PHONE", "(+971) 4 555 0199"),
        ("they asked for my social and I typed 412 55 9012", "en", "NATIONAL_ID", "412 55 9012"),
        (
            "Le portail demande mon numéro de CIN, je l'ai saisi deux fois (KB230871) sans succès.",
            "fr",
            "NATIONAL_ID",
            "KB230871",
        ),
    ],
)
def test_numbers_found(fast: PiiScrubber, text: str, lang: str, etype: str, value: str) -> None:
    assert found(fast, text, lang, etype) == [value]


@pytest.mark.parametrize(
    "text",
    [
        'Room display stuck on "Updating 4.19.41.0"',
        "badge n° 20331 prêté au prestataire",
        "Model LT-0099\nSerial 0012345",
    ],
)
def test_numbers_left_alone(fast: PiiScrubber, text: str) -> None:
    assert fast.analyze(text, "en") == [] and fast.analyze(text, "fr") == []
