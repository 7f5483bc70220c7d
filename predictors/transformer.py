"""Transformer predictor: `python -m predictors.transformer --model_dir models:/NAME@ALIAS`.

ONNX Runtime with int8 weights by default (several times faster than eager PyTorch on CPU);
`--backend torch` serves the same fine-tuned weights with PyTorch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from contract.normalize import normalize
from predictors.model import TicketClassifier
from predictors.server import serve

SUB_BATCH = 16  # texts padded together; sorted by length so short tickets are not padded long


class TransformerClassifier(TicketClassifier):
    kind = "transformer"
    default_name = "callcenter-transformer"

    def load_files(self, path: Path, metadata: dict) -> None:
        from transformers import AutoTokenizer

        hf = path / "artifacts" / "hf"
        self.tokenizer = AutoTokenizer.from_pretrained(hf)
        self.max_length = self.settings.max_length or int(metadata.get("max_length", 128))
        threads = self.settings.threads
        if self.settings.backend == "onnx":
            import onnxruntime as ort

            options = ort.SessionOptions()
            if threads:
                options.intra_op_num_threads = threads
            onnx_path = path / metadata.get("onnx", "artifacts/model.onnx")
            session = ort.InferenceSession(str(onnx_path), options, ["CPUExecutionProvider"])
            self._run = lambda ids, mask: session.run(
                ["logits"], {"input_ids": ids, "attention_mask": mask}
            )[0]
        else:
            import torch
            from transformers import AutoModelForSequenceClassification

            if threads:
                torch.set_num_threads(threads)
            model = AutoModelForSequenceClassification.from_pretrained(hf).eval()

            def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
                with torch.inference_mode():
                    out = model(
                        input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
                    )
                return out.logits.numpy()

            self._run = run

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        normalized = [normalize(t) for t in texts]
        encoded = self.tokenizer(normalized, truncation=True, max_length=self.max_length)[
            "input_ids"
        ]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        logits = np.zeros((len(texts), len(self.classes)), dtype=np.float32)
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(order), SUB_BATCH):
            rows = order[start : start + SUB_BATCH]
            width = max(len(encoded[i]) for i in rows)
            ids = np.full((len(rows), width), pad, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : len(encoded[i])] = encoded[i]
                mask[r, : len(encoded[i])] = 1
            logits[rows] = self._run(ids, mask)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)


if __name__ == "__main__":
    serve(TransformerClassifier)
