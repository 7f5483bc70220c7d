"""The quick profile's transformer: e5 as shipped, a logistic-regression head on its embeddings.

A full fine-tune back-propagates through every layer for an hour on 2 cores; this is one forward
pass over the training tickets and a linear fit of seconds. The head reads e5's masked mean of
the last hidden states, L2-normalised, which is how e5 was trained to embed text (its
cross-lingual alignment lives there, not in BERT's first-token pooler).

The encoder is exported and quantised first, and the head is fit on *that* graph's embeddings
(the int8 arithmetic moves them by ~1% in cosine, which a linear head on standardised features
amplifies into other answers), then appended to the same graph in float32. So the predictor
serves this model like a fine-tuned one (inputs and outputs unchanged), and the head sees at
serving time exactly the features it was fit on.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from contract.transformer_runtime import FROZEN_HEAD, FROZEN_HEAD_FILE
from pipelines.familiarity_bank import served_embeddings
from pipelines.onnx_export import export_onnx, mean_pooled

log = logging.getLogger("pipelines.frozen_head")
MISSING_CLASS_BIAS = -30.0  # a category absent from the fit rows is never predicted


class MeanPoolEncoder(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pooled(hidden, attention_mask)


def fit_head(
    embeddings: np.ndarray, targets: np.ndarray, n_labels: int, c: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression on standardised embeddings, folded back to raw inputs.

    e5's embeddings are anisotropic (every pair has cosine ~0.8), so the fit standardises them;
    the scaling is then folded into the weights, leaving one MatMul + Add for the graph.
    """
    from sklearn.linear_model import LogisticRegression

    mean, scale = embeddings.mean(axis=0), embeddings.std(axis=0) + 1e-6
    standardised = (embeddings - mean) / scale
    fit = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(standardised, targets)
    coef, intercept = fit.coef_, fit.intercept_
    if len(fit.classes_) == 2:  # sklearn keeps one row for two classes; softmax wants both
        coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-1, 1]) * intercept / 2
    weight = np.zeros((n_labels, embeddings.shape[1]), dtype=np.float32)
    bias = np.full(n_labels, MISSING_CLASS_BIAS, dtype=np.float32)
    for row, label in enumerate(fit.classes_):
        weight[label] = coef[row] / scale
        bias[label] = intercept[row] - float(coef[row] @ (mean / scale))
    log.info(
        "frozen head: %d tickets, %d of %d categories, training accuracy %.4f",
        len(targets),
        len(fit.classes_),
        n_labels,
        fit.score(standardised, targets),
    )
    return weight, bias


def append_head(encoder_graph: Path, weight: np.ndarray, bias: np.ndarray, target: Path) -> Path:
    """The encoder graph plus logits = embedding @ weight.T + bias, as the served graph."""
    model = onnx.load(str(encoder_graph))
    graph = model.graph
    graph.initializer.extend(
        [
            numpy_helper.from_array(weight.T.astype(np.float32), "frozen_head_weight"),
            numpy_helper.from_array(bias.astype(np.float32), "frozen_head_bias"),
        ]
    )
    graph.node.extend(
        [
            helper.make_node("MatMul", ["embedding", "frozen_head_weight"], ["frozen_head_mm"]),
            helper.make_node("Add", ["frozen_head_mm", "frozen_head_bias"], ["logits"]),
        ]
    )
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(bias)])
    graph.output.insert(0, logits)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return target


def train_frozen(
    base: str,
    tokenizer,
    root: Path,
    texts: list[str],
    targets: list[int],
    labels: list[str],
    config: dict,
    p,
) -> tuple[Path, np.ndarray]:
    """Save the encoder under root/artifacts/hf, export it, fit the head on its embeddings.

    Returns the served graph and the training tickets' embeddings (the familiarity bank's).
    """
    from transformers import AutoModel

    artifacts = root / "artifacts"
    hf_dir = artifacts / "hf"
    encoder = AutoModel.from_pretrained(base, add_pooling_layer=False).eval()
    config = config | {
        "callcenter_head": FROZEN_HEAD,
        "id2label": dict(enumerate(labels)),
        "label2id": {name: i for i, name in enumerate(labels)},
    }
    for key, value in config.items():
        setattr(encoder.config, key, value)
    encoder.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    graph = export_onnx(
        MeanPoolEncoder(encoder), tokenizer, artifacts, p.onnx_int8, ("embedding",), "encoder"
    )
    log.info("embedding %d tickets with the frozen encoder (%s)", len(texts), p.base_model)
    embeddings = served_embeddings(root, graph.name, texts, "embed")
    weight, bias = fit_head(embeddings, np.asarray(targets), len(labels), p.frozen_c, p.seed)
    np.savez(hf_dir / FROZEN_HEAD_FILE, weight=weight, bias=bias)
    served = append_head(graph, weight, bias, artifacts / graph.name.replace("encoder", "model"))
    graph.unlink()
    return served, embeddings
