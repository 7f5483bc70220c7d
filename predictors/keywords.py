"""Why the SVM chose its category: the terms of the ticket that pushed it there most.

A linear model's score for a class is the sum over the ticket's terms of tf-idf weight x the
class's coefficient, so the largest positive products are exactly the words that decided it.
The support page and the review queue show them, highlighted in the ticket, so a person sees why.
"""

from __future__ import annotations

import numpy as np

TOP_TERMS = 5


class LinearKeywords:
    """Keywords for a TF-IDF pipeline's `features` step and its linear (calibrated) classifier."""

    def __init__(self, features, classifier, top: int = TOP_TERMS) -> None:
        # Several calibrated copies (calibration_ensemble): their mean coefficient decides.
        estimators = [c.estimator for c in getattr(classifier, "calibrated_classifiers_", [])]
        coefs = [e.coef_ for e in estimators] or [classifier.coef_]
        self.coef = np.mean(coefs, axis=0).astype(np.float32)  # [classes, terms]
        names = features.get_feature_names_out()
        # FeatureUnion prefixes names with its transformer ("word__reset password").
        self.terms = np.array([n.split("__", 1)[-1] for n in names], dtype=object)
        self.top = top

    def __call__(self, x, predicted: np.ndarray) -> list[list[str]]:
        """x: the tf-idf matrix [N, terms] (sparse CSR); predicted: class index per row."""
        out = []
        for row, label in enumerate(predicted):
            start, end = x.indptr[row], x.indptr[row + 1]
            cols = x.indices[start:end]
            weight = x.data[start:end] * self.coef[label, cols]
            order = np.argsort(-weight)[: self.top]
            out.append([str(self.terms[cols[i]]) for i in order if weight[i] > 0])
        return out
