"""Predictor pieces in-process: ONNX vs PyTorch agreement, micro-batching, settings."""

from __future__ import annotations

import asyncio

import numpy as np

from pipelines.prepare import read_split
from predictors.batching import MicroBatcher
from predictors.server import parse_settings
from predictors.settings import PredictorSettings
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
