"""One answer from both models' probabilities, for tickets the transformer answers.

On tickets unlike the training file the two models err differently: the SVM knows the training
vocabulary, the transformer the language. `pipelines.calibrate_router` picks the SVM's weight
(`contract.routing.blend`) on the validation split and the development live set and stores it
with the SVM version; the agent applies the weight of the SVM version that answered.
"""

from __future__ import annotations

from agent.client import Answer
from contract.routing import blend


def blended(transformer: Answer, k: int, svm: Answer, j: int, weight: float) -> Answer | None:
    """Row k of the transformer's answer blended with row j of the SVM's, as a one-row answer
    of the transformer version (its familiarity, its band); None when the two answers do not
    carry probabilities over the same classes."""
    if transformer.probabilities is None or svm.probabilities is None:
        return None
    if transformer.classes is None or svm.classes is None:
        return None
    if sorted(transformer.classes) != sorted(svm.classes):
        return None
    svm_probs = dict(zip(svm.classes, svm.probabilities[j], strict=True))
    probs = [
        float(blend(svm_probs[c], p, weight))
        for c, p in zip(transformer.classes, transformer.probabilities[k], strict=True)
    ]
    return transformer.row(k, probs)
