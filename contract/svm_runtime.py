"""The one SVM inference path: the fitted TF-IDF + calibrated linear SVM as a sparse dot product.

A served ticket is about 30 known terms against 8 classes: a few microseconds of arithmetic.
Scikit-learn's `predict_proba` on one ticket costs milliseconds around it (a sparse matrix per
step, the FeatureUnion wrapper, input checks in each of eight isotonic calibrators), which capped
the SVM predictor far below the HTTP layer. `LinearScorer` reads the fitted pipeline once (its
analyzers, vocabularies, idf, coefficients and calibrator thresholds) and then computes the same
numbers per ticket with numpy: same labels as the pipeline, probabilities within float32
rounding. The scikit-learn objects stay the registered artefact; this is how they are run.

The predictor, `pipelines.evaluate` (and so the quality gate and the router calibration) call
it, so what is scored is what is served. Only numpy is imported here: the pipeline is passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from contract.familiarity import Scores, VocabularyFamiliarity
from contract.normalize import normalize

TOP_TERMS = 5  # keywords returned per answer


@dataclass(frozen=True)
class _Block:
    """One TF-IDF vectoriser of the feature union and where its columns start."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear: bool
    norm: str | None
    weight: float
    offset: int


@dataclass(frozen=True)
class _Calibrated:
    """One linear SVM and its per-class isotonic calibrators (thresholds for np.interp)."""

    coef: np.ndarray  # [terms, classes]: rows gathered per ticket
    intercept: np.ndarray  # [classes]
    thresholds: list[tuple[np.ndarray, np.ndarray]]  # per class: (decision values, probability)


class UnsupportedPipeline(ValueError):
    """The pipeline is not TF-IDF + CalibratedClassifierCV(isotonic) over a linear model."""


def _blocks(features) -> list[_Block]:
    parts = getattr(features, "transformer_list", None) or [("word", features)]
    weights = getattr(features, "transformer_weights", None) or {}
    blocks, offset = [], 0
    for name, vectorizer in parts:
        if not hasattr(vectorizer, "idf_"):
            raise UnsupportedPipeline(f"feature block {name!r} is not a fitted TfidfVectorizer")
        if vectorizer.binary or not vectorizer.use_idf:
            raise UnsupportedPipeline(f"feature block {name!r}: binary/no-idf is not supported")
        blocks.append(
            _Block(
                analyze=vectorizer.build_analyzer(),
                vocabulary=vectorizer.vocabulary_,
                idf=np.asarray(vectorizer.idf_, dtype=vectorizer.dtype),
                sublinear=bool(vectorizer.sublinear_tf),
                norm=vectorizer.norm,
                weight=float(weights.get(name, 1.0)),
                offset=offset,
            )
        )
        offset += len(vectorizer.vocabulary_)
    return blocks


def _calibrated(classifier, classes: list[str]) -> list[_Calibrated]:
    if getattr(classifier, "method", None) != "isotonic" or len(classes) < 3:
        raise UnsupportedPipeline("needs CalibratedClassifierCV(method='isotonic'), 3+ classes")
    out = []
    for calibrated in classifier.calibrated_classifiers_:
        estimator = calibrated.estimator
        if [str(c) for c in estimator.classes_] != classes:
            raise UnsupportedPipeline("a calibrated estimator has its own class order")
        if any(c.out_of_bounds != "clip" for c in calibrated.calibrators):
            raise UnsupportedPipeline("isotonic calibrators must clip out-of-range scores")
        out.append(
            _Calibrated(
                coef=np.ascontiguousarray(np.asarray(estimator.coef_, dtype=np.float64).T),
                intercept=np.asarray(estimator.intercept_, dtype=np.float64),
                thresholds=[(c.X_thresholds_, c.y_thresholds_) for c in calibrated.calibrators],
            )
        )
    return out


class LinearScorer:
    """A fitted `pipelines.train_svm` pipeline (steps normalize, features, clf), run per ticket."""

    def __init__(self, pipeline, top_terms: int = TOP_TERMS) -> None:
        self.classes = [str(c) for c in pipeline.classes_]
        self.blocks = _blocks(pipeline.named_steps["features"])
        self.models = _calibrated(pipeline.named_steps["clf"], self.classes)
        # Keywords: the mean coefficient of the calibrated copies decides, as for the score.
        self.keyword_coef = np.mean([m.coef for m in self.models], axis=0)
        terms: list[str] = [""] * sum(len(b.vocabulary) for b in self.blocks)
        for block in self.blocks:
            for term, column in block.vocabulary.items():
                terms[block.offset + column] = term
        self.terms = terms
        self.top_terms = top_terms
        self.familiarity = VocabularyFamiliarity(pipeline)
        self.pipeline = pipeline

    def features(self, normalized: str) -> tuple[np.ndarray, np.ndarray]:
        """The ticket's tf-idf row as (columns, weights), as TfidfVectorizer.transform builds it."""
        columns, weights = [], []
        for block in self.blocks:
            lookup = block.vocabulary.get
            known = [
                (column, n)
                for term, n in Counter(block.analyze(normalized)).items()
                if (column := lookup(term)) is not None
            ]
            if not known:
                continue
            cols = np.array([c for c, _ in known], dtype=np.int64)
            tf = np.array([n for _, n in known], dtype=block.idf.dtype)
            if block.sublinear:
                tf = np.log(tf) + 1
            w = tf * block.idf[cols]
            if block.norm == "l2":
                w /= np.sqrt(np.dot(w, w))
            elif block.norm == "l1":
                w /= np.abs(w).sum()
            columns.append(cols + block.offset)
            weights.append(w * block.weight if block.weight != 1.0 else w)
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        columns, weights = np.concatenate(columns), np.concatenate(weights)
        order = np.argsort(columns)  # column order, as in a CSR row: ties in keywords agree
        return columns[order], weights[order]

    def probabilities(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """CalibratedClassifierCV.predict_proba: decision, isotonic per class, normalised."""
        n, classes = len(rows), len(self.classes)
        out = np.zeros((n, classes))
        for model in self.models:
            decision = np.empty((n, classes))
            for i, (columns, weights) in enumerate(rows):
                decision[i] = weights.astype(np.float64) @ model.coef[columns]
            decision += model.intercept
            proba = np.empty_like(decision)
            for k, (x, y) in enumerate(model.thresholds):
                proba[:, k] = np.interp(decision[:, k], x, y)
            total = proba.sum(axis=1, keepdims=True)
            uniform = np.full_like(proba, 1.0 / classes)
            out += np.divide(proba, total, out=uniform, where=total != 0)
        return out / len(self.models)

    def keywords(self, columns: np.ndarray, weights: np.ndarray, label: int) -> list[str]:
        """The ticket's terms with the largest tf-idf x coefficient for the answered class."""
        push = weights * self.keyword_coef[columns, label]
        order = np.argsort(-push)[: self.top_terms]
        return [self.terms[columns[i]] for i in order if push[i] > 0]

    def scores_normalized(self, normalized: list[str]) -> Scores:
        """For callers that already hold `contract.normalize`'s output."""
        rows = [self.features(text) for text in normalized]
        probabilities = self.probabilities(rows)
        return self._answer(normalized, rows, probabilities)

    def _answer(self, normalized: list[str], rows: list, probabilities: np.ndarray) -> Scores:
        """Keywords of the answered class and familiarity, whichever path scored the rows."""
        predicted = probabilities.argmax(axis=1)
        keywords = [self.keywords(c, w, int(k)) for (c, w), k in zip(rows, predicted, strict=True)]
        return Scores(probabilities, self.familiarity.of_normalized(normalized), keywords)

    def scores(self, texts: list[str]) -> Scores:
        return self.scores_normalized([normalize(t) for t in texts])

    def sklearn_scores_normalized(self, normalized: list[str]) -> Scores:
        """The same answer through scikit-learn's own transform/predict_proba: the reference the
        fast path is tested against, and a serving backend (`svm_backend: sklearn`)."""
        import sklearn

        # Inputs come from the fitted vectoriser, never from users: per-step validation checks
        # nothing here and costs a third of a single-ticket call.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            x = self.pipeline.named_steps["features"].transform(normalized).tocsr()
            probabilities = self.pipeline.named_steps["clf"].predict_proba(x)
        x.sort_indices()
        rows = [
            (x.indices[x.indptr[i] : x.indptr[i + 1]], x.data[x.indptr[i] : x.indptr[i + 1]])
            for i in range(x.shape[0])
        ]
        return self._answer(normalized, rows, probabilities)
