"""MLflow "model from code" for the fine-tuned transformer.

Saved inside the MLflow model, so `mlflow.pyfunc.load_model("models:/callcenter-transformer@...")`
scores a DataFrame with a `text` column anywhere, without this repository. It runs the served
artefact (the int8 ONNX graph) through `contract.transformer_runtime`, the same code the
predictor runs, so the evaluation stage and the quality gate score exactly what is served.
Output: one probability column per class, then `familiarity`.
"""

from __future__ import annotations

from pathlib import Path

import mlflow.pyfunc
import pandas as pd
from mlflow.models import set_model


class TicketTransformer(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        from contract.transformer_runtime import TicketEncoder

        onnx = Path(context.artifacts["onnx"])
        self.encoder = TicketEncoder(onnx.parent.parent, backend="onnx", onnx_file=onnx.name)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        texts = [str(t) for t in model_input["text"]]
        scores = self.encoder.scores(texts)
        frame = pd.DataFrame(scores.probabilities, columns=self.encoder.labels)
        frame["familiarity"] = scores.familiarity
        return frame


set_model(TicketTransformer())
