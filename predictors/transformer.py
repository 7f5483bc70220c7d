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

SUB_BATCH = 16  # at most this many texts padded together
PAD_WASTE = 1.25  # a sub-batch may hold at most 25% padding tokens


def sub_batches(lengths: list[int]) -> list[list[int]]:
    """Group texts of similar token length, so compute goes to tokens rather than padding.

    A micro-batch mixes one-line tickets with ones cut at max_length; padded together, most of
    the matrix would be padding and batching would be slower per text than one at a time.
    """
    groups: list[list[int]] = []
    tokens = 0
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        group = groups[-1] if groups else None
        fits = (
            group is not None
            and len(group) < SUB_BATCH
            and (len(group) + 1) * lengths[i] <= PAD_WASTE * (tokens + lengths[i])
        )
        if fits:
            group.append(i)
            tokens += lengths[i]
        else:
            groups.append([i])
            tokens = lengths[i]
    return groups


def dynamically_quantized(onnx_path: Path) -> bool:
    """Whether the graph quantises activations at run time (onnxruntime's quantize_dynamic).

    Such a graph computes one activation scale over the whole input tensor, so a ticket's answer
    would depend on the tickets padded next to it: batched with others, 5% of the live-style
    tickets changed class. Those graphs get one text per run, which costs nothing measurable on
    2 cores (batching added ~1.4x at best) and keeps every answer independent of the traffic.
    """
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    return any(node.op_type == "DynamicQuantizeLinear" for node in graph.node)


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
            self.one_per_run = dynamically_quantized(onnx_path)
            session = ort.InferenceSession(str(onnx_path), options, ["CPUExecutionProvider"])
            self._run = lambda ids, mask: session.run(
                ["logits"], {"input_ids": ids, "attention_mask": mask}
            )[0]
        else:
            import torch
            from transformers import AutoModelForSequenceClassification

            self.one_per_run = False
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
        logits = np.zeros((len(texts), len(self.classes)), dtype=np.float32)
        pad = self.tokenizer.pad_token_id
        lengths = [len(e) for e in encoded]
        groups = [[i] for i in range(len(texts))] if self.one_per_run else sub_batches(lengths)
        for rows in groups:
            width = len(encoded[rows[-1]])
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
