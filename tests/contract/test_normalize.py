"""The one normalisation shared by training and serving."""

from __future__ import annotations

import pandas as pd
import pytest

from contract.normalize import (
    FUNCTION_WORDS_FILE,
    GLOSSARY_FILE,
    _read_function_words,
    _read_glossary,
    letters_only,
    normalize,
    normalize_texts,
    strip_boilerplate,
)
from tests.conftest import ROOT


def test_live_english_becomes_training_form():
    text = (
        "Hi team,\n\nMy laptop (Dell 5420) won't boot since 9am!! Can you help?\n"
        "Thanks\n--\nJohn | Finance\nSent from my iPhone"
    )
    # "my", "t" never occur in the training file: gone, as the upstream preprocessing did.
    assert normalize(text) == "hi team laptop dell won boot since am can you help thanks"


def test_training_rows_are_unchanged():
    row = "connection with icon icon dear please setup icon per icon engineers please let"
    assert normalize(row) == row


def test_quoted_reply_dropped():
    text = "Still broken, see below.\n\nOn Mon, 3 Mar 2025, Bob wrote:\n> printer jammed"
    assert strip_boilerplate(text) == "Still broken, see below."
    text = "Toujours en panne.\nLe lun. 3 mars 2025 à 10:02, Marie a écrit :\n> imprimante"
    assert strip_boilerplate(text) == "Toujours en panne."


def test_french_and_arabic_keep_their_letters_and_lose_their_function_words():
    french = "Bonjour, je n'arrive plus à accéder au dossier « Finance » !"
    assert letters_only(french) == "bonjour je n arrive plus à accéder au dossier finance"
    assert normalize(french) == "bonjour arrive plus access folder finance"
    arabic = "مرحباً، لا أستطيع الدخول إلى البريد الإلكتروني منذ ٣ أيام."
    assert letters_only(arabic) == "مرحبا لا أستطيع الدخول إلى البريد الإلكتروني منذ أيام"
    assert normalize(arabic) == "مرحبا أستطيع log mailbox mail الإلكتروني أيام"


def test_function_words_and_glossary_leave_every_training_ticket_unchanged():
    """Both lists hold only words the training file never contains, so models trained before
    them read their training tickets exactly as before (the full file when it is here)."""
    full = ROOT.parent / "shared" / "data" / "it_tickets.csv"
    path = full if full.is_file() else ROOT / "data" / "sample.csv"
    documents = pd.read_csv(path, usecols=["Document"])["Document"].astype(str)
    assert len(documents) >= 2000
    changed = [t for t in documents if normalize(t) != letters_only(t)]
    assert not changed, changed[:3]


def test_the_function_word_list_is_required(tmp_path):
    words = _read_function_words(FUNCTION_WORDS_FILE)
    assert {"my", "je", "dans", "إلى"} <= words and "printer" not in words
    with pytest.raises(FileNotFoundError):
        _read_function_words(tmp_path / "missing.txt")


def test_placeholders_and_frames():
    assert normalize("Call <PERSON> at <PHONE_NUMBER> today") == "call at today"
    frame = pd.DataFrame({"text": ["A1", "b!"]})
    assert normalize_texts(frame) == ["a", "b"]


def test_glossary_writes_it_words_in_the_training_files_english():
    """French and Arabic IT words become the English words the models learned, also behind an
    Arabic clitic; other words stay as they are."""
    assert normalize("L'imprimante du 2e étage n'imprime plus") == "printer e étage imprime plus"
    assert normalize("كلمة المرور والطابعة بالشبكة وحسابي") == (
        "password password printer network account"
    )
    assert normalize("وصباح الخير") == "وصباح الخير"  # no glossary word behind the clitic
    # Live English the training file words otherwise: "timesheet" is its "timecard".
    assert normalize("Timesheet won't submit, login fails") == "timecard won submit log fails"
    # Chat spellings and dialects: no accents or hamza, Gulf/Egyptian/Maghrebi words, typos.
    assert normalize("mdp expiré, ecran noir") == "password expired monitor screen noir"
    assert normalize("الباسورد خربان والكلافيي") == "password broken keyboard"
    assert normalize("my moniter") == "monitor"


def test_the_glossary_is_required(tmp_path):
    assert len(_read_glossary(GLOSSARY_FILE)) > 200
    with pytest.raises(FileNotFoundError):
        _read_glossary(tmp_path / "missing.tsv")
