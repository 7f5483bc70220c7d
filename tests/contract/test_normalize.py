"""The one normalisation shared by training and serving."""

from __future__ import annotations

from contract.normalize import normalize, normalize_texts, strip_boilerplate


def test_live_english_becomes_training_form():
    text = (
        "Hi team,\n\nMy laptop (Dell 5420) won't boot since 9am!! Can you help?\n"
        "Thanks\n--\nJohn | Finance\nSent from my iPhone"
    )
    assert normalize(text) == "hi team my laptop dell won t boot since am can you help thanks"


def test_training_rows_are_unchanged():
    row = "connection with icon icon dear please setup icon per icon engineers please let"
    assert normalize(row) == row


def test_quoted_reply_dropped():
    text = "Still broken, see below.\n\nOn Mon, 3 Mar 2025, Bob wrote:\n> printer jammed"
    assert strip_boilerplate(text) == "Still broken, see below."
    text = "Toujours en panne.\nLe lun. 3 mars 2025 à 10:02, Marie a écrit :\n> imprimante"
    assert strip_boilerplate(text) == "Toujours en panne."


def test_french_and_arabic_keep_their_letters():
    assert normalize("Bonjour, je n'arrive plus à accéder au dossier « Finance » !") == (
        "bonjour je n arrive plus à accéder au dossier finance"
    )
    arabic = "مرحباً، لا أستطيع الدخول إلى البريد الإلكتروني منذ ٣ أيام."
    assert normalize(arabic) == "مرحبا لا أستطيع الدخول إلى البريد الإلكتروني منذ أيام"


def test_placeholders_and_frames():
    assert normalize("Call <PERSON> at <PHONE_NUMBER> today") == "call at today"
    import pandas as pd

    frame = pd.DataFrame({"text": ["A1", "b!"]})
    assert normalize_texts(frame) == ["a", "b"]
