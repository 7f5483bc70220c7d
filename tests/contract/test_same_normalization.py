"""Training and serving normalise with one function, which keeps French and Arabic readable."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import mlflow.sklearn
from tokenizers import Tokenizer
from transformers import AutoTokenizer

import pipelines.train_transformer
from contract.normalize import letters_only, normalize, normalize_texts
from contract.transformer_runtime import TicketEncoder
from pipelines.prepare import read_split

LIVE = [
    "Hi team,\nMy laptop (Dell 5420) won't boot since 9am!! Can you help?\nThanks\n--\nJohn",
    "Bonjour, je n'arrive plus à accéder au dossier partagé « Finance » de l'équipe. Merci !",
    "مرحباً، لا أستطيع الدخول إلى البريد الإلكتروني منذ ٣ أيام. شكراً",
]


def test_svm_model_normalises_with_the_contract_function(trained):
    model = mlflow.sklearn.load_model(str(trained / "models" / "svm"))
    step = model.named_steps["normalize"]
    assert step.func is normalize_texts
    texts, _ = read_split(trained / "splits", "test")
    sample = texts[:50] + LIVE
    assert step.transform(sample) == [normalize(t) for t in sample]


def test_transformer_serving_encodes_the_normalised_text(trained):
    """What the served graph reads (predictor and evaluation alike) is the contract's form."""
    model_dir = trained / "models" / "transformer"
    encoder = TicketEncoder(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir / "artifacts" / "hf")
    expected = tokenizer(
        [encoder.prefix + normalize(t) for t in LIVE],
        truncation=True,
        max_length=encoder.max_length,
    )["input_ids"]
    assert encoder.encode(LIVE) == expected
    # The signature ("--\nJohn") is cut before the model sees the ticket.
    assert "john" not in tokenizer.decode(encoder.encode(LIVE[:1])[0]).lower()
    assert pipelines.train_transformer.normalize is normalize


def test_french_and_arabic_stay_readable_for_the_multilingual_tokenizer():
    package = Path(find_spec("semantra_multilingual").origin).parent
    tokenizer = Tokenizer.from_file(str(package / "assets/multilingual-e5-small/tokenizer.json"))
    unk = tokenizer.token_to_id("<unk>")
    for text in LIVE[1:]:
        ids = tokenizer.encode(normalize(text)).ids
        assert unk not in ids
    # Accents and Arabic letters stay; only glossary IT words become the training file's English.
    assert "équipe" in normalize(LIVE[1]) and "shared" in normalize(LIVE[1])
    assert "الإلكتروني" in normalize(LIVE[2]) and "mailbox" in normalize(LIVE[2])
    original = tokenizer.encode(LIVE[2].replace("٣", "")).tokens
    normalised = tokenizer.encode(letters_only(LIVE[2])).tokens
    words = lambda pieces: {p for p in pieces if len(p.strip("▁")) > 2}  # noqa: E731
    assert len(words(original) & words(normalised)) >= 0.8 * len(words(normalised))
