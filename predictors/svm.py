"""SVM predictor: `python -m predictors.svm --model_dir models:/callcenter-svm@production`.

The registered artefact is the scikit-learn pipeline; `contract.svm_runtime.LinearScorer` runs it
as a sparse dot product (`--svm_backend linear`, the default), or scikit-learn runs it itself
(`--svm_backend sklearn`). Both give the same labels and keywords; see bench.predictors.
"""

from __future__ import annotations

from pathlib import Path

from contract.familiarity import Scores
from contract.svm_runtime import LinearScorer
from predictors.model import TicketClassifier
from predictors.server import serve


class SvmClassifier(TicketClassifier):
    kind = "svm"
    default_name = "callcenter-svm"
    releases_gil = False  # tokenising is pure Python

    def load_files(self, path: Path, metadata: dict) -> None:
        import mlflow.sklearn

        # The saved pipeline starts with contract.normalize, so serving normalises like training.
        pipeline = mlflow.sklearn.load_model(str(path))
        classes = [str(c) for c in pipeline.classes_]
        if classes != list(metadata["labels"]):
            raise ValueError(f"{path}: classes {classes} differ from metadata labels")
        self.scorer = LinearScorer(pipeline)
        self.normalize = pipeline.named_steps["normalize"]
        if self.settings.svm_backend == "sklearn":
            self.run = self.scorer.sklearn_scores_normalized
        else:
            self.run = self.scorer.scores_normalized

    def score(self, texts: list[str]) -> Scores:
        # Normalised once per ticket: the classifier and the familiarity both read that form.
        return self.run(self.normalize.transform(texts))


if __name__ == "__main__":
    serve(SvmClassifier)
