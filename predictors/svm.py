"""SVM predictor: `python -m predictors.svm --model_dir models:/callcenter-svm@production`."""

from __future__ import annotations

from pathlib import Path

import sklearn

from contract.familiarity import Scores, VocabularyFamiliarity
from predictors.keywords import LinearKeywords
from predictors.model import TicketClassifier
from predictors.server import serve


class SvmClassifier(TicketClassifier):
    kind = "svm"
    default_name = "callcenter-svm"
    releases_gil = False  # the vectoriser is pure Python

    def load_files(self, path: Path, metadata: dict) -> None:
        import mlflow.sklearn

        # The saved pipeline starts with contract.normalize, so serving normalises like training.
        self.pipeline = mlflow.sklearn.load_model(str(path))
        classes = [str(c) for c in self.pipeline.classes_]
        if classes != list(metadata["labels"]):
            raise ValueError(f"{path}: classes {classes} differ from metadata labels")
        self.familiarity = VocabularyFamiliarity(self.pipeline)
        # Normalise once per ticket: the classifier and the familiarity both read that form.
        self.normalize = self.pipeline.named_steps["normalize"]
        self.features = self.pipeline.named_steps["features"]
        self.classifier = self.pipeline.named_steps["clf"]
        self.keywords = LinearKeywords(self.features, self.classifier)

    def score(self, texts: list[str]) -> Scores:
        # Inputs come from our own vectoriser, never from users: scikit-learn's per-step input
        # validation (a third of a single-ticket call) checks nothing here.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            normalized = self.normalize.transform(texts)
            x = self.features.transform(normalized).tocsr()
            probabilities = self.classifier.predict_proba(x)
        return Scores(
            probabilities,
            self.familiarity.of_normalized(normalized),
            self.keywords(x, probabilities.argmax(axis=1)),
        )


if __name__ == "__main__":
    serve(SvmClassifier)
