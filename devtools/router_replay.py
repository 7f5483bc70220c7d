"""The agent's routing replayed offline on the test split, from both models' saved probabilities.

Language detection, length, complexity, the SVM-confidence threshold and, where the transformer
answers, the calibrated blend, all from the code the agent runs (agent.language,
contract.routing, pipelines.calibrate_router.system_correct): what bench.router sweeps and what
the end-to-end test compares the running stack with.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agent.language import LanguageDetector
from contract.routing import TRANSFORMER, Policy, after_svm, features, initial_route
from devtools.harness import ROOT
from pipelines.calibrate_router import load_npz, system_correct

METRICS = ROOT / "metrics"


def load(kind: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.load(METRICS / f"{kind}_test_probs.npz")
    probs = data["probs"]
    return probs.max(axis=1), data["labels"][probs.argmax(axis=1)] == data["truth"]


def blended_ok(weight: float, metrics: Path = METRICS) -> np.ndarray:
    """Whether the agent's answer is right on each test ticket the transformer answers: both
    models' probabilities blended at the SVM version's calibrated weight (contract.routing)."""
    svm, tr = (load_npz(metrics, kind, "test") for kind in ("svm", "transformer"))
    return system_correct(svm, tr, np.ones(len(svm["truth"]), dtype=bool), weight)


def replay(texts: list[str], svm_conf, svm_ok, tr_ok, policy: Policy) -> dict:
    """`tr_ok`: right or wrong where the transformer answers (blended, see `blended_ok`)."""
    detector = LanguageDetector()
    to_transformer = []
    forced = 0
    for text, conf in zip(texts, svm_conf, strict=True):
        route = initial_route(features(text, *detector.detect(text)), policy)
        if route.decision == TRANSFORMER:
            forced += 1
        else:
            after_svm(route, float(conf), policy)
        to_transformer.append(route.decision != "svm")
    chosen = np.array(to_transformer)
    return {
        "threshold": policy.svm_threshold,
        "accuracy": round(float(np.where(chosen, tr_ok, svm_ok).mean()), 4),
        "transformer_share": round(float(chosen.mean()), 4),
        "forced_share": round(forced / len(texts), 4),
    }
