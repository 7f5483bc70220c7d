"""Transformer predictor: `python -m predictors.transformer --model_dir models:/NAME@ALIAS`.

ONNX Runtime with int8 weights by default (several times faster than eager PyTorch on CPU);
`--backend torch` serves the same fine-tuned weights with PyTorch. The inference itself lives in
`contract.transformer_runtime`, which the evaluation stage and the quality gate run too.
"""

from __future__ import annotations

from pathlib import Path

from contract.familiarity import Scores
from contract.transformer_runtime import TicketEncoder
from predictors.model import TicketClassifier
from predictors.server import serve


class TransformerClassifier(TicketClassifier):
    kind = "transformer"
    default_name = "callcenter-transformer"

    def load_files(self, path: Path, metadata: dict) -> None:
        self.encoder = TicketEncoder(
            path,
            backend=self.settings.backend,
            threads=self.settings.threads,
            max_length=self.settings.max_length,
            onnx_file=metadata.get("onnx", "artifacts/model.onnx").removeprefix("artifacts/"),
        )

    @property
    def one_per_run(self) -> bool:
        return self.encoder.one_per_run

    def score(self, texts: list[str]) -> Scores:
        return self.encoder.scores(texts)


if __name__ == "__main__":
    serve(TransformerClassifier)
