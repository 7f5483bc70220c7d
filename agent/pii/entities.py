"""The entity table: each type of personal data, its placeholder, its recognisers and the
languages each one serves. Adding a type is one row here, one recogniser and its tests.

Presidio's defaults are not used as they are: most recognisers are registered for English only,
the e-mail validator downloads the public suffix list (fails offline), and the default entity set
flags dates, numbers and product names that the classifier needs. So every type is listed here,
and a recogniser serves every language ("xx": language unknown) unless its row says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from agent.pii.arabic import ArabicNameRecognizer
from agent.pii.given_names import GivenNameRecognizer
from agent.pii.ids import EMPLOYEE_ID, NATIONAL_ID, EmployeeIdRecognizer, NationalIdRecognizer
from agent.pii.layout_names import ChatSpeakerRecognizer, SignatureNameRecognizer
from agent.pii.names import ContextNameRecognizer
from agent.pii.ner import NER_MODELS
from agent.pii.patterns import (
    PHONE_REGIONS,
    CardRecognizer,
    FastPhoneRecognizer,
    MaghrebIbanRecognizer,
    OfflineEmailRecognizer,
    UrlCredentialsRecognizer,
    VersionAwareIpRecognizer,
)
from agent.pii.spans import ALL


@dataclass(frozen=True)
class Options:
    """What the scrubber's settings change in the table."""

    ner: bool = True
    employee_id_pattern: str | None = None


@dataclass(frozen=True)
class Row:
    type: str  # placeholder `<type>`
    build: Callable[[str, str, Options], EntityRecognizer]  # (language, type, options)
    languages: tuple[str, ...] = ALL
    enabled: Callable[[Options], bool] = lambda options: True


def _entity(cls: type) -> Callable[[str, str, Options], EntityRecognizer]:
    return lambda lang, kind, o: cls(supported_language=lang, supported_entity=kind)


def _entities(cls: type) -> Callable[[str, str, Options], EntityRecognizer]:
    return lambda lang, kind, o: cls(supported_language=lang, supported_entities=[kind])


TABLE: list[Row] = [
    Row("EMAIL", _entity(OfflineEmailRecognizer)),
    Row(
        "PHONE",
        lambda lang, kind, o: FastPhoneRecognizer(
            supported_language=lang, supported_entity=kind, supported_regions=PHONE_REGIONS[lang]
        ),
    ),
    Row("IBAN", _entity(MaghrebIbanRecognizer)),
    Row("CARD", _entity(CardRecognizer)),
    Row("IP_ADDRESS", _entity(VersionAwareIpRecognizer)),
    Row("URL", _entity(UrlCredentialsRecognizer)),
    Row(NATIONAL_ID, _entities(NationalIdRecognizer)),
    Row(
        EMPLOYEE_ID,
        lambda lang, kind, o: EmployeeIdRecognizer(
            supported_language=lang,
            supported_entities=[kind],
            organisation_pattern=o.employee_id_pattern,
        ),
    ),
    # Arabic script only, so safe whatever the declared language.
    Row("PERSON", _entities(ArabicNameRecognizer)),
    # Latin-script names: English/French cue words and the Latin lists; harmless on text of
    # unknown language, and needed in Arabic tickets, which name foreign staff in Latin script
    # ("From: Hany Abdelmalek", "المساعدة ديالو Khadija Ait Lahcen").
    Row("PERSON", _entities(ContextNameRecognizer)),
    Row("PERSON", _entities(GivenNameRecognizer)),
    Row("PERSON", _entities(ChatSpeakerRecognizer)),
    Row("PERSON", _entities(SignatureNameRecognizer)),
    Row("PERSON", _entities(SpacyRecognizer), tuple(NER_MODELS), lambda o: o.ner),
]
PLACEHOLDERS: dict[str, str] = {row.type: f"<{row.type}>" for row in TABLE}


def recognizers(lang: str, options: Options) -> list[EntityRecognizer]:
    """Every recogniser the table gives one language; presidio keeps one instance per language."""
    return [
        row.build(lang, row.type, options)
        for row in TABLE
        if lang in row.languages and row.enabled(options)
    ]
