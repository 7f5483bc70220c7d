"""MLflow "model from code" for the fine-tuned transformer.

Saved inside the MLflow model, so `mlflow.pyfunc.load_model("models:/callcenter-transformer@...")`
scores a DataFrame with a `text` column anywhere, without this repository. Predictors do not use
it: they read the same artifacts (Hugging Face folder, int8 ONNX file) with their own fast path.
"""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd
from mlflow.models import set_model


class TicketTransformer(mlflow.pyfunc.PythonModel):
    batch_size = 32

    def load_context(self, context) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = context.artifacts["hf"]
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForSequenceClassification.from_pretrained(path).eval()
        self.max_length = int(self.model.config.to_dict().get("callcenter_max_length", 128))
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        import torch

        from contract.normalize import normalize_texts

        texts = normalize_texts(model_input)
        # Batches of similar length: padding to the longest of a random batch wastes most compute.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        probs = torch.zeros((len(texts), len(self.labels)))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in idx],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                probs[idx] = torch.softmax(self.model(**batch).logits, dim=-1)
        return pd.DataFrame(probs.numpy(), columns=self.labels)


set_model(TicketTransformer())
