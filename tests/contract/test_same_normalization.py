"""Training and serving normalise with one function, which keeps French and Arabic readable."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import mlflow.sklearn
from tokenizers import Tokenizer

import pipelines.train_transformer
import pipelines.transformer_pyfunc
import predictors.transformer
from contract.normalize import normalize, normalize_texts
from pipelines.prepare import read_split

LIVE = [
    "Hi team,\nMy laptop (Dell 5420) won't boot since 9am!! Can you help?\nThanks\n--\nJohn",
    "Bonjour, je n'arrive plus à accéder au dossier partagé « Finance ». Merci d'avance !",
    "مرحباً، لا أستطيع الدخول إلى البريد الإلكتروني منذ ٣ أيام. شكراً",
]


def test_svm_model_normalises_with_the_contract_function(trained):
    model = mlflow.sklearn.load_model(str(trained / "models" / "svm"))
    step = model.named_steps["normalize"]
    assert step.func is normalize_texts
    texts, _ = read_split(trained / "splits", "test")
    sample = texts[:50] + LIVE
    assert step.transform(sample) == [normalize(t) for t in sample]


def test_transformer_training_and_serving_share_the_function():
    assert pipelines.train_transformer.normalize is normalize
    assert predictors.transformer.normalize is normalize
    source = Path(pipelines.transformer_pyfunc.__file__).read_text()
    assert "from contract.normalize import normalize_texts" in source


def test_french_and_arabic_stay_readable_for_the_multilingual_tokenizer():
    package = Path(find_spec("semantra_multilingual").origin).parent
    tokenizer = Tokenizer.from_file(str(package / "assets/multilingual-e5-small/tokenizer.json"))
    unk = tokenizer.token_to_id("<unk>")
    for text in LIVE[1:]:
        ids = tokenizer.encode(normalize(text)).ids
        assert unk not in ids
    assert "accéder" in normalize(LIVE[1]) and "partagé" in normalize(LIVE[1])
    assert "البريد" in normalize(LIVE[2]) and "الإلكتروني" in normalize(LIVE[2])
    original = tokenizer.encode(LIVE[2].replace("٣", "")).tokens
    normalised = tokenizer.encode(normalize(LIVE[2])).tokens
    words = lambda pieces: {p for p in pieces if len(p.strip("▁")) > 2}  # noqa: E731
    assert len(words(original) & words(normalised)) >= 0.8 * len(words(normalised))
