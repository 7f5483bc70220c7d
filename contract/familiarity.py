"""How familiar a ticket looks to the model that answered it: the out-of-distribution signal.

A calibrated probability only says how sure the model is among the 8 categories it knows; on text
unlike its training file it is confidently wrong (a French HR form read as Hardware at 0.95).
Each predictor therefore also reports a familiarity in [0, 1] that the agent's review band reads:

- SVM: the share of the ticket's words that its TF-IDF vocabulary knows. Unknown words weigh
  nothing in a linear model, so a ticket made mostly of them is classified on a handful of words.
- transformer: the mean cosine similarity between the ticket's encoder embedding and its k
  nearest training tickets of the predicted category (deep k-NN out-of-distribution detection).

Training, evaluation and serving all call these functions, so the thresholds picked on the
validation split apply to the same numbers the predictors return.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass

import numpy as np

DEFAULT_K = 10


@dataclass(frozen=True)
class Scores:
    """Probabilities [N, C], familiarity [N] and, from models that can say, the keywords that
    decided each answer; slicing keeps rows together (micro-batching)."""

    probabilities: np.ndarray
    familiarity: np.ndarray
    keywords: list[list[str]] | None = None

    def __len__(self) -> int:
        return len(self.probabilities)

    def __getitem__(self, rows: slice) -> Scores:
        keywords = self.keywords[rows] if self.keywords is not None else None
        return Scores(self.probabilities[rows], self.familiarity[rows], keywords)


def vocabulary_coverage(tokens: Iterable[str], vocabulary: Container[str]) -> float:
    """Share of tokens the vocabulary knows; 0 for a ticket with no word at all."""
    tokens = list(tokens)
    if not tokens:
        return 0.0
    return sum(token in vocabulary for token in tokens) / len(tokens)


class VocabularyFamiliarity:
    """`vocabulary_coverage` for a saved TF-IDF pipeline (steps: normalize, features, clf)."""

    def __init__(self, pipeline) -> None:
        from contract.normalize import normalize

        features = pipeline.named_steps["features"]
        steps = dict(getattr(features, "transformer_list", []))
        words = steps.get("word", features)  # the word TF-IDF defines what the SVM knows
        self.vocabulary = words.vocabulary_
        self.tokenize = words.build_tokenizer()
        self.normalize = normalize

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.of_normalized([self.normalize(t) for t in texts])

    def of_normalized(self, normalized: list[str]) -> np.ndarray:
        """For callers that already hold `contract.normalize`'s output (the SVM predictor)."""
        return np.array(
            [vocabulary_coverage(self.tokenize(t), self.vocabulary) for t in normalized],
            dtype=np.float32,
        )


def knn_familiarity(
    embeddings: np.ndarray,
    predicted: np.ndarray,
    bank: np.ndarray,
    bank_labels: np.ndarray,
    k: int = DEFAULT_K,
) -> np.ndarray:
    """Mean cosine similarity to the k nearest bank rows of each ticket's predicted class.

    `embeddings` and `bank` are L2-normalised rows; `predicted` and `bank_labels` are class
    indices. A class with fewer than k bank rows uses all it has.
    """
    out = np.zeros(len(embeddings), dtype=np.float32)
    if len(embeddings) == 0:
        return out
    similarity = embeddings.astype(np.float32) @ bank.astype(np.float32).T
    for row, label in enumerate(predicted):
        own = similarity[row, bank_labels == label]
        if own.size == 0:  # a class the bank has no example of: nothing is familiar
            continue
        n = min(k, own.size)
        out[row] = float(np.partition(own, own.size - n)[-n:].mean())
    return np.clip(out, 0.0, 1.0)
