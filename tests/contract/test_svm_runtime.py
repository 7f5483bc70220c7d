"""The SVM's fast path gives scikit-learn's answers: same labels, probabilities, keywords.

Pipelines are fitted here on the committed sample with the training stage's own builder, in
the shapes params.yaml can ask for (word n-grams; word + weighted character n-grams; the cv
ensemble), so a setting the fast path does not reproduce fails here rather than in serving.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contract.normalize import normalize
from contract.svm_runtime import LinearScorer, UnsupportedPipeline
from pipelines.params import SvmParams
from pipelines.train_svm import build_pipeline

SAMPLE = Path(__file__).parents[2] / "data" / "sample.csv"
EDGES = [
    "",  # nothing at all: decision = intercept
    "zzqx vvbn qqpl",  # no known word
    "!!! 12345 ???",  # nothing left after normalisation
    "Bonjour, mon mot de passe a expiré depuis ce matin",
    "لا أستطيع الدخول إلى حسابي",
    "password " * 400,  # one term many times (sublinear tf)
]


@pytest.fixture(scope="module")
def sample() -> tuple[list[str], list[str]]:
    frame = pd.read_csv(SAMPLE)
    return frame["Document"].astype(str).tolist(), frame["Topic_group"].astype(str).tolist()


@pytest.mark.parametrize(
    "params",
    [
        SvmParams(calibration_cv=3),
        SvmParams(calibration_cv=3, char_ngram_max=4, char_weight=0.5, sublinear_tf=False),
        SvmParams(calibration_cv=3, calibration_ensemble=True, word_ngram_max=1),
    ],
    ids=["words", "words+chars", "ensemble"],
)
def test_fast_path_gives_the_pipeline_answers(sample, params: SvmParams):
    texts, labels = sample
    pipeline = build_pipeline(params).fit(texts[:1500], labels[:1500])
    scorer = LinearScorer(pipeline)
    held_out = texts[1500:] + EDGES
    fast = scorer.scores(held_out)
    reference = scorer.sklearn_scores_normalized([normalize(t) for t in held_out])

    expected = pipeline.predict_proba(held_out)  # the registered artefact, as MLflow runs it
    np.testing.assert_allclose(reference.probabilities, expected, atol=1e-12)
    np.testing.assert_allclose(fast.probabilities, expected, atol=1e-4)
    assert (fast.probabilities.argmax(1) == expected.argmax(1)).all()
    np.testing.assert_allclose(fast.probabilities.sum(1), 1.0, atol=1e-9)
    assert fast.keywords == reference.keywords
    np.testing.assert_array_equal(fast.familiarity, reference.familiarity)
    # The keywords are the ticket's own terms, and a ticket without known words has none.
    assert fast.keywords[len(texts) - 1500 + 1] == []
    assert all(fast.keywords[: len(texts) - 1500])


def test_answers_do_not_depend_on_batch_neighbours(sample):
    texts, labels = sample
    scorer = LinearScorer(build_pipeline(SvmParams(calibration_cv=3)).fit(texts, labels))
    batch = scorer.scores(texts[:50]).probabilities
    alone = np.vstack([scorer.scores([t]).probabilities for t in texts[:50]])
    np.testing.assert_array_equal(batch, alone)


def test_a_pipeline_it_cannot_reproduce_is_refused(sample):
    texts, labels = sample
    sigmoid = build_pipeline(SvmParams(calibration_cv=3, calibration_method="sigmoid"))
    with pytest.raises(UnsupportedPipeline, match="isotonic"):
        LinearScorer(sigmoid.fit(texts[:600], labels[:600]))
