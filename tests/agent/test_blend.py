"""The blend of two answers: class order, the weight's direction, and when it cannot apply."""

from __future__ import annotations

import pytest

from agent.blend import blended
from agent.client import Answer


def answer(model: str, classes: list[str], probs: list[float]) -> Answer:
    best = max(range(len(probs)), key=probs.__getitem__)
    return Answer(
        labels=[classes[best]],
        confidences=[probs[best]],
        model=model,
        version="3",
        familiarities=[0.9],
        probabilities=[probs],
        classes=classes,
    )


def test_blend_aligns_classes_by_name_and_keeps_the_transformer_version():
    tr = answer("callcenter-transformer", ["Hardware", "Access", "HR Support"], [0.5, 0.4, 0.1])
    # The SVM lists its classes in another order: it is sure of Access.
    svm = answer("callcenter-svm", ["Access", "HR Support", "Hardware"], [0.9, 0.05, 0.05])
    out = blended(tr, 0, svm, 0, 0.5)
    assert out is not None
    assert out.labels == ["Access"]  # 0.65 against Hardware's 0.275
    assert out.confidences[0] == pytest.approx(0.65)
    assert out.probabilities[0] == pytest.approx([0.275, 0.65, 0.075])
    assert (out.model, out.version, out.familiarities) == ("callcenter-transformer", "3", [0.9])


def test_weight_zero_is_the_transformer_and_one_is_the_svm():
    tr = answer("t", ["a", "b"], [0.7, 0.3])
    svm = answer("s", ["a", "b"], [0.2, 0.8])
    assert blended(tr, 0, svm, 0, 0.0).labels == ["a"]
    assert blended(tr, 0, svm, 0, 1.0).labels == ["b"]


def test_no_blend_without_probabilities_over_the_same_classes():
    tr = answer("t", ["a", "b"], [0.7, 0.3])
    assert blended(tr, 0, answer("s", ["a", "c"], [0.2, 0.8]), 0, 0.5) is None
    bare = Answer(labels=["a"], confidences=[0.9], model="s", version="1")
    assert blended(tr, 0, bare, 0, 0.5) is None
