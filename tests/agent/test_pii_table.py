"""The entity table decides which recognisers serve which language, and the placeholders."""

from __future__ import annotations

from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from agent.pii import PLACEHOLDERS
from agent.pii.entities import TABLE, Options, recognizers
from agent.pii.names import ContextNameRecognizer
from agent.pii.spans import ALL


def test_every_row_gives_a_placeholder_and_serves_only_its_languages():
    assert set(PLACEHOLDERS) == {row.type for row in TABLE}
    assert all(PLACEHOLDERS[t] == f"<{t}>" for t in PLACEHOLDERS)
    for lang in ALL:
        built = recognizers(lang, Options(ner=True))
        wanted = [row for row in TABLE if lang in row.languages]
        assert len(built) == len(wanted), lang
        for rec, row in zip(built, wanted, strict=True):
            assert rec.supported_language == lang
            assert rec.supported_entities == [row.type]
    # Latin-script cue words run on Arabic tickets too (foreign staff are named in Latin
    # script there); NER only where a model exists.
    assert any(isinstance(r, ContextNameRecognizer) for r in recognizers("ar", Options()))
    assert not any(isinstance(r, SpacyRecognizer) for r in recognizers("ar", Options(ner=True)))
    assert any(isinstance(r, SpacyRecognizer) for r in recognizers("fr", Options(ner=True)))
    assert not any(isinstance(r, SpacyRecognizer) for r in recognizers("fr", Options(ner=False)))
    assert not any(isinstance(r, SpacyRecognizer) for r in recognizers("ar", Options(ner=True)))


def test_the_organisation_pattern_reaches_the_employee_id_recogniser():
    found = [
        r
        for r in recognizers("en", Options(employee_id_pattern=r"ST-\d{5}"))
        if r.supported_entities == ["EMPLOYEE_ID"]
    ]
    assert len(found) == 1
    assert found[0].analyze("badge ST-12345 lost", ["EMPLOYEE_ID"])
