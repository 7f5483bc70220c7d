"""Predictor pieces in-process: ONNX vs PyTorch agreement, micro-batching, settings."""

from __future__ import annotations

import asyncio
import shutil

import numpy as np
import pytest
import yaml

from contract.normalize import READS_TRAINING_ALIKE
from contract.transformer_runtime import PAD_WASTE, SUB_BATCH, sub_batches
from pipelines.evaluate import ServedScorer
from pipelines.prepare import read_split
from predictors.batching import MicroBatcher
from predictors.loading import fetch
from predictors.server import parse_settings
from predictors.settings import PredictorSettings
from predictors.svm import SvmClassifier
from predictors.transformer import TransformerClassifier


def test_onnx_int8_agrees_with_pytorch(trained):
    texts, _ = read_split(trained / "splits", "test")
    texts = texts[:64]
    models = {}
    for backend in ("onnx", "torch"):
        settings = PredictorSettings(
            model_name="t", model_dir=str(trained / "models" / "transformer"), backend=backend
        )
        model = TransformerClassifier(settings)
        assert model.wait_ready(120), model.load_error
        models[backend] = model.predict_proba(texts)
    onnx, torch = models["onnx"], models["torch"]
    agreement = float(np.mean(onnx.argmax(1) == torch.argmax(1)))
    assert agreement >= 0.95, agreement
    assert np.abs(onnx - torch).max() < 0.1


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_batched_answers_match_one_at_a_time(trained, backend: str):
    """A ticket's answer must not depend on the tickets batched with it: int8 ONNX (dynamic
    activation scales) runs one text per call, torch groups texts of similar length."""
    texts, _ = read_split(trained / "splits", "test")
    texts = texts[:40]
    settings = PredictorSettings(
        model_name="t", model_dir=str(trained / "models" / "transformer"), backend=backend
    )
    model = TransformerClassifier(settings)
    assert model.wait_ready(120), model.load_error
    assert model.one_per_run == (backend == "onnx")  # the test model is exported as int8
    batched = model.predict_proba(texts)
    single = np.vstack([model.predict_proba([t]) for t in texts])
    assert np.abs(batched - single).max() < 1e-4


@pytest.mark.parametrize("kind", ["svm", "transformer"])
def test_evaluation_scores_what_the_predictor_serves(trained, kind: str):
    """The gate's numbers come from the served artefact: evaluate's scorer (the MLflow pyfunc,
    int8 ONNX for the transformer) and the predictor give the same probabilities and
    familiarity."""
    texts, _ = read_split(trained / "splits", "test")
    texts = [*texts[:24], "Bonjour, mon mot de passe a expiré", "لا أستطيع الدخول إلى حسابي"]
    model_dir = trained / "models" / kind
    cls = SvmClassifier if kind == "svm" else TransformerClassifier
    served = cls(PredictorSettings(model_name="t", model_dir=str(model_dir)))
    assert served.wait_ready(120), served.load_error
    expected = served.score(texts)
    scored = ServedScorer(kind, model_dir)(texts)
    np.testing.assert_allclose(scored.probabilities, expected.probabilities, atol=1e-5)
    np.testing.assert_allclose(scored.familiarity, expected.familiarity, atol=1e-5)
    assert np.all((expected.familiarity >= 0) & (expected.familiarity <= 1))


def test_familiarity_separates_training_like_text_from_other_languages(trained):
    """The SVM knows the words of stripped English tickets, not French or Arabic ones, except the
    IT words the glossary writes in the training file's English (contract/glossary.tsv)."""
    texts, _ = read_split(trained / "splits", "test")
    model = SvmClassifier(
        PredictorSettings(model_name="t", model_dir=str(trained / "models" / "svm"))
    )
    assert model.wait_ready(120), model.load_error
    familiar = model.score(texts[:50]).familiarity
    foreign = model.score(
        [
            "Bonjour, je n'arrive plus à ouvrir la porte du troisième étage depuis ce matin",
            "مرحبا، الباب في الطابق الثالث لا يفتح منذ الصباح",
        ]
    ).familiarity
    glossed = model.score(
        [
            "Bonjour, je n'arrive plus à ouvrir ma boîte aux lettres depuis ce matin",
            "مرحبا، لا أستطيع الدخول إلى حسابي منذ الصباح",
        ]
    ).familiarity
    assert np.median(familiar) > 0.9
    assert foreign.max() < 0.5
    assert np.all(glossed > foreign), (glossed, foreign)


def test_svm_keywords_are_the_terms_that_decided(trained):
    """Each keyword is a term of the ticket that pushed it towards the answer: take them out
    and the model is less sure of that category."""
    model = SvmClassifier(
        PredictorSettings(model_name="t", model_dir=str(trained / "models" / "svm"))
    )
    assert model.wait_ready(120), model.load_error
    texts, _ = read_split(trained / "splits", "test")
    texts = [t for t in texts if len(t.split()) >= 8][:20]
    scores = model.score(texts)
    assert scores.keywords is not None and len(scores.keywords) == len(texts)
    lowered = 0
    for text, terms, probs in zip(texts, scores.keywords, scores.probabilities, strict=True):
        assert terms, text
        normalized = model.normalize.transform([text])[0]
        words = set(normalized.split())
        assert all(set(term.split()) <= words for term in terms), (terms, normalized)
        kept = " ".join(w for w in normalized.split() if w not in set(" ".join(terms).split()))
        label = probs.argmax()
        lowered += model.score([kept or "."]).probabilities[0, label] < probs[label]
    assert lowered >= 0.9 * len(texts)


def test_sub_batches_cover_every_text_once_with_bounded_padding():
    lengths = [5, 128, 7, 6, 128, 40, 41, 39, 128, 5] + [20] * 30
    groups = sub_batches(lengths)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        width = max(lengths[i] for i in group)
        assert len(group) <= SUB_BATCH
        assert len(group) * width <= PAD_WASTE * sum(lengths[i] for i in group)
    # Short tickets are never padded to the long ones.
    assert not any({0, 1} <= set(g) for g in groups)
    assert sub_batches([]) == []


def test_micro_batcher_groups_concurrent_requests_and_keeps_order():
    calls: list[int] = []

    def predict(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return np.array([[float(t)] for t in texts])

    async def main() -> list[np.ndarray]:
        batcher = MicroBatcher(predict, max_size=64, max_wait_ms=5)
        first = await batcher.submit(["0"])
        rest = await asyncio.gather(*(batcher.submit([str(i), str(i + 100)]) for i in range(1, 20)))
        return [first, *rest]

    results = asyncio.run(main())
    assert results[0].tolist() == [[0.0]]
    for i, result in enumerate(results[1:], start=1):
        assert result.ravel().tolist() == [float(i), float(i + 100)]
    assert calls[0] == 1, "a lone request is not held back"
    assert max(calls) > 2, f"concurrent requests were not batched: {calls}"
    assert sum(calls) == 1 + 2 * 19


def test_micro_batcher_never_exceeds_its_size_and_keeps_arrival_order():
    """A request that does not fit the current batch opens the next one (not dropped, not
    overtaken by later requests)."""
    calls: list[list[str]] = []

    def predict(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[float(t)] for t in texts])

    async def main() -> list[np.ndarray]:
        batcher = MicroBatcher(predict, max_size=5, max_wait_ms=5)
        await batcher.submit(["0"])
        jobs = [[str(i), str(i + 100), str(i + 200)][: 1 + i % 3] for i in range(1, 13)]
        return jobs, await asyncio.gather(*(batcher.submit(job) for job in jobs))

    jobs, results = asyncio.run(main())
    for job, result in zip(jobs, results, strict=True):
        assert result.ravel().tolist() == [float(t) for t in job]
    assert max(len(c) for c in calls) <= 5
    assert any(len(c) > 3 for c in calls), f"nothing was batched: {calls}"
    served = [t for c in calls[1:] for t in c]
    assert served == [t for job in jobs for t in job], "a request overtook an earlier one"


def test_micro_batcher_passes_errors_to_callers():
    def predict(texts: list[str]) -> np.ndarray:
        raise RuntimeError("boom")

    async def main() -> None:
        batcher = MicroBatcher(predict)
        for _ in range(2):  # the worker survives the first failure
            try:
                await batcher.submit(["x"])
            except RuntimeError as exc:
                assert str(exc) == "boom"
            else:
                raise AssertionError("no error")

    asyncio.run(main())


def test_flags_override_env(monkeypatch):
    monkeypatch.setenv("CCAI_PREDICTOR_MAX_TEXT_CHARS", "500")
    monkeypatch.setenv("CCAI_PREDICTOR_BACKEND", "torch")
    settings = parse_settings(["--model_dir", "/m", "--backend", "onnx"], "callcenter-svm")
    assert settings.model_name == "callcenter-svm"
    assert settings.max_text_chars == 500
    assert settings.backend == "onnx"
    assert settings.model_dir == "/m"


async def test_server_side_failures_are_counted_for_the_rollout_and_logged_without_text(
    trained, caplog
):
    """A version whose model raises fails real requests: the counter the rollout operator's
    bake reads rises (by reason), the caller's bad input does not count, no text is logged."""
    from kserve.errors import InvalidInput
    from prometheus_client import REGISTRY

    class Broken(SvmClassifier):
        """Loads like the real one, then its model raises (a bad artefact, say)."""

        def score(self, texts):
            raise ValueError(f"cannot score {texts}")

    model = Broken(
        PredictorSettings(model_name="broken-svm", model_dir=str(trained / "models" / "svm"))
    )
    assert model.wait_ready(120), model.load_error

    def errors(reason: str) -> float:
        labels = {"model_name": "broken-svm", "reason": reason}
        return REGISTRY.get_sample_value("callcenter_predictor_errors_total", labels) or 0.0

    with pytest.raises(ValueError):
        await model.predict({"instances": ["secret printer ticket"]})
    assert errors("scoring") == 1
    assert "secret" not in caplog.text and "ValueError" in caplog.text
    with pytest.raises(InvalidInput):
        await model.predict({"instances": [5]})
    assert errors("scoring") == 1


def test_renamed_settings_still_read_their_old_names(monkeypatch):
    """0.2 renamed three variables; a deployment that still sets the old names keeps its values,
    and the new name wins where both are set."""
    from predictors.settings import PredictorSettings

    monkeypatch.setenv("CCAI_PREDICTOR_MAX_BATCH_SIZE", "7")
    monkeypatch.setenv("CCAI_PREDICTOR_BATCH_MAX_SIZE", "5")
    monkeypatch.setenv("CCAI_PREDICTOR_BATCH_MAX_WAIT_MS", "0.5")
    old = PredictorSettings()
    assert (old.max_request_texts, old.microbatch_max_texts, old.microbatch_max_wait_ms) == (
        7,
        5,
        0.5,
    )
    monkeypatch.setenv("CCAI_PREDICTOR_MICROBATCH_MAX_TEXTS", "9")
    assert PredictorSettings().microbatch_max_texts == 9


def test_the_private_kserve_hook_that_quiet_requests_replaces_is_still_there():
    # KServe has no public switch for its per-request timing middleware, so
    # predictors.server.quiet_requests replaces RESTServer._add_middlewares (a private method).
    # If an upgrade renames or reshapes it, the replacement would silently do nothing (or break
    # the server): this fails first, naming the method to look at again.
    import inspect

    from kserve.protocol.rest.server import RESTServer

    hook = RESTServer.__dict__.get("_add_middlewares")
    assert callable(hook), "RESTServer._add_middlewares is gone: revisit quiet_requests()"
    assert list(inspect.signature(hook).parameters) == ["self", "app"]
    source = inspect.getsource(hook)
    assert "add_middleware" in source, "it no longer adds middlewares: revisit quiet_requests()"


@pytest.mark.parametrize("recorded", ["1", "2", "0", None])
def test_a_model_under_another_normalisation_is_refused(trained, tmp_path, recorded):
    """A model reads live text the way its training text read; one trained under a normalisation
    that reads the training file differently would be served text unlike what it learned."""
    model = tmp_path / "svm"
    shutil.copytree(trained / "models" / "svm", model)
    mlmodel = yaml.safe_load((model / "MLmodel").read_text())
    meta = mlmodel["metadata"]["callcenterai"]
    meta.pop("normalization")
    if recorded is not None:
        meta["normalization"] = recorded
    (model / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    if recorded in READS_TRAINING_ALIKE:
        assert fetch(str(model)).metadata["labels"] == meta["labels"]
        return
    with pytest.raises(ValueError, match="normalisation") as refused:
        fetch(str(model))
    assert (recorded or "(none recorded)") in str(refused.value)
