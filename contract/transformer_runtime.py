"""The one transformer inference path: tokenise, group, run, softmax, embed, compare to the bank.

The predictor, the MLflow pyfunc (and so `pipelines.evaluate`, the quality gate and the router
calibration) and the training stage that builds the familiarity bank all call `TicketEncoder`,
so what is scored and gated is what is served: the int8 ONNX graph by default. Heavy imports
(onnxruntime, transformers, torch) happen inside the loaders, so importing this module is cheap.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from contract.familiarity import DEFAULT_K, Scores, knn_familiarity
from contract.normalize import normalize

SUB_BATCH = 16  # at most this many texts padded together
PAD_WASTE = 1.25  # a sub-batch may hold at most 25% padding tokens
BANK_FILE = "familiarity_bank.npz"  # in the model's artifacts/ folder, next to hf/ and the ONNX
# The quick profile's model (pipelines.frozen_head): config.json's `callcenter_head` says so, and
# the linear head on the mean-pooled embedding lies in hf/ beside the encoder. Only the PyTorch
# backend needs to know; the ONNX graph has the head folded in.
FROZEN_HEAD = "frozen_mean_pool"
FROZEN_HEAD_FILE = "frozen_head.npz"


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


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked mean of the last hidden states, L2-normalised (how e5 itself embeds text)."""
    weights = mask[..., None].astype(hidden.dtype)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


class TicketEncoder:
    """A transformer as saved by `pipelines.train_transformer` (MLflow model folder): fine-tuned,
    or the quick profile's frozen encoder with a linear head.

    `backend="onnx"` runs the graph the predictor serves; `"torch"` the same weights in PyTorch.
    """

    def __init__(
        self,
        model_dir: Path,
        backend: str = "onnx",
        threads: int = 0,
        max_length: int = 0,
        onnx_file: str | None = None,
    ) -> None:
        from transformers import AutoTokenizer

        model_dir = Path(model_dir)
        artifacts = model_dir / "artifacts"
        hf = artifacts / "hf"
        self.tokenizer = AutoTokenizer.from_pretrained(hf)
        config = json.loads((hf / "config.json").read_text())
        self.labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
        self.max_length = max_length or int(config.get("callcenter_max_length", 128))
        # e5 was trained with "query: " in front of every input; the fine-tune keeps its prefix.
        self.prefix = str(config.get("callcenter_input_prefix", ""))
        self.k = int(config.get("callcenter_familiarity_k", DEFAULT_K))
        bank = artifacts / BANK_FILE
        if bank.is_file():
            with np.load(bank) as saved:
                self.bank, self.bank_labels = saved["embeddings"], saved["labels"]
        else:  # a model trained before the bank existed: no ticket looks familiar
            self.bank = self.bank_labels = None
        if backend == "onnx":
            self._load_onnx(artifacts / (onnx_file or "model.onnx"), threads)
        else:
            self._load_torch(hf, threads, frozen=config.get("callcenter_head") == FROZEN_HEAD)

    def _load_onnx(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.one_per_run = dynamically_quantized(path)
        session = ort.InferenceSession(str(path), options, ["CPUExecutionProvider"])
        names = {o.name for o in session.get_outputs()}
        # Old graphs have no embedding; the quick profile's encoder, before its head is fit
        # (pipelines.frozen_head), has no logits (they stay zero).
        wanted = [name for name in ("logits", "embedding") if name in names]

        def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
            values = session.run(wanted, {"input_ids": ids, "attention_mask": mask})
            out = dict(zip(wanted, values, strict=True))
            return out.get("logits"), out.get("embedding")

        self._run = run

    def _load_torch(self, hf: Path, threads: int, frozen: bool) -> None:
        import torch
        from transformers import AutoModel, AutoModelForSequenceClassification

        self.one_per_run = False
        if threads:
            torch.set_num_threads(threads)
        if frozen:
            model = AutoModel.from_pretrained(hf, add_pooling_layer=False).eval()
            with np.load(hf / FROZEN_HEAD_FILE) as head:
                weight, bias = head["weight"], head["bias"]
        else:
            model = AutoModelForSequenceClassification.from_pretrained(hf).eval()

        def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            with torch.inference_mode():
                out = model(
                    input_ids=torch.from_numpy(ids),
                    attention_mask=torch.from_numpy(mask),
                    output_hidden_states=True,
                )
            embedding = mean_pool(out.hidden_states[-1].numpy(), mask)
            if frozen:
                return embedding @ weight.T + bias, embedding
            return out.logits.numpy(), embedding

        self._run = run

    def encode(self, texts: list[str]) -> list[list[int]]:
        prepared = [self.prefix + normalize(t) for t in texts]
        return self.tokenizer(prepared, truncation=True, max_length=self.max_length)["input_ids"]

    def logits_and_embeddings(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        encoded = self.encode(texts)
        logits = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        embeddings: np.ndarray | None = None
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
            group_logits, group_embeddings = self._run(ids, mask)
            if group_logits is not None:
                logits[rows] = group_logits
            if group_embeddings is not None:
                if embeddings is None:
                    embeddings = np.zeros((len(texts), group_embeddings.shape[1]), np.float32)
                embeddings[rows] = group_embeddings
        return logits, embeddings

    def scores(self, texts: list[str]) -> Scores:
        logits, embeddings = self.logits_and_embeddings(texts)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        if embeddings is None or self.bank is None:
            familiarity = np.zeros(len(texts), dtype=np.float32)
        else:
            familiarity = knn_familiarity(
                embeddings, probabilities.argmax(axis=1), self.bank, self.bank_labels, self.k
            )
        return Scores(probabilities, familiarity)
