"""Prior shift: each model's answers with its probabilities divided by the training class prior.

    python -m bench.prior [--metrics-dir metrics] [--out bench/results/prior.json]

The models learn the training file's class mix (Hardware 28%, Administrative rights 4%) and fall
back on it where a ticket is unlike what they learned: the outside measurement found 171 of 240
live tickets answered `Hardware`. Both live-style sets hold every category equally often, so on
them the Bayes answer divides the probabilities by the training prior (a logit adjustment,
`p / prior**alpha`, renormalised). This replays that on the evaluate stage's saved probabilities
of the served models, for several alphas, on the test split (the training mix), the development
live set (where an alpha would be chosen) and the held-out one (reported only), per language,
applied to every ticket or only to non-English ones; and with the mix estimated from the answers
themselves, without labels (EM, Saerens et al. 2002), as a desk could from its unlabelled
traffic. Whether to adjust depends on the mix of the traffic a desk really gets, which these
sets do not show: the agent takes it from reviewed tickets (agent/traffic_mix.py). The `desk`
rows replay that rule (contract.prior) offline: the mix counted from the development set's
labels, smoothed with a pseudo-count towards the training prior, applied to every ticket of
each set, for several pseudo-counts. Writes JSON and prints a table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from contract.prior import desk_mix, shifted
from devtools.harness import ROOT, machine

ALPHAS = (0.0, 0.5, 1.0, 1.5)
PSEUDO_COUNTS = (0, 20, 50, 200)
SETS = ("test", "live", "live_holdout")
LANGS = ("en", "fr", "ar")


def adjusted(probs: np.ndarray, prior: np.ndarray, alpha: float) -> np.ndarray:
    scaled = probs / prior**alpha
    return scaled / scaled.sum(axis=1, keepdims=True)


def em_prior(probs: np.ndarray, prior: np.ndarray, iterations: int = 500) -> np.ndarray:
    """The class mix of unlabelled tickets that makes the adjusted answers consistent with it."""
    mix = prior.copy()
    for _ in range(iterations):
        posterior = probs * mix / prior
        posterior /= posterior.sum(axis=1, keepdims=True)
        new = posterior.mean(axis=0)
        if np.abs(new - mix).max() < 1e-7:
            break
        mix = new
    return mix


def scores(data, prior: np.ndarray, alpha: float | str, non_english_only: bool) -> dict:
    probs = data["probs"]
    languages = data["languages"] if "languages" in data.files else np.full(len(probs), "en")
    out: dict = {}
    if alpha == "em":  # estimated on the tickets it applies to, labels unseen
        target = languages != "en" if non_english_only else np.ones(len(probs), dtype=bool)
        mix = em_prior(probs[target], prior) if target.any() else prior
        out["estimated_mix"] = {
            str(label): round(float(m), 4) for label, m in zip(data["labels"], mix, strict=True)
        }
        shifted = probs * mix / prior
        shifted /= shifted.sum(axis=1, keepdims=True)
    else:
        shifted = adjusted(probs, prior, alpha)
    if non_english_only:
        shifted = np.where((languages != "en")[:, None], shifted, probs)
    return out | figures(data, shifted, languages)


def figures(data, probs: np.ndarray, languages: np.ndarray) -> dict:
    """Accuracy, the share of `Hardware` answers and, on a set with several, each language's."""
    answers = data["labels"][probs.argmax(axis=1)]
    right = answers == data["truth"]
    out = {"accuracy": round(float(right.mean()), 4)}
    out["hardware_share"] = round(float((answers == "Hardware").mean()), 4)
    for lang in LANGS:
        mask = languages == lang
        if mask.any() and not mask.all():
            out[lang] = round(float(right[mask].mean()), 4)
    return out


def desk_scores(data, prior: dict[str, float], mix: dict[str, float]) -> dict:
    """Every ticket's answer under the desk's mix, as the agent computes it (contract.prior)."""
    labels = [str(label) for label in data["labels"]]
    moved = np.array([shifted(list(p), labels, prior, mix) for p in data["probs"]])
    return figures(data, moved, data["languages"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics-dir", type=Path, default=ROOT / "metrics")
    parser.add_argument("--splits-dir", type=Path, default=ROOT / "data" / "splits")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "prior.json")
    args = parser.parse_args()
    mix = pd.read_csv(args.splits_dir / "train.csv")["Topic_group"].value_counts(normalize=True)
    rows = []
    print(f"{'model':12} {'alpha':>5} {'where':>11} {'set':>13} {'accuracy':>8}  en / fr / ar")
    for kind in ("svm", "transformer"):
        for name in SETS:
            data = np.load(args.metrics_dir / f"{kind}_{name}_probs.npz")
            prior = np.array([mix[label] for label in data["labels"]])
            for alpha in (*ALPHAS, "em"):
                for non_english_only in (False, True):
                    if alpha == 0 and non_english_only:
                        continue
                    where = "non-English" if non_english_only else "all"
                    row = {"model": kind, "alpha": alpha, "applied_to": where, "set": name}
                    row.update(scores(data, prior, alpha, non_english_only))
                    rows.append(row)
                    langs = " / ".join(f"{row[g]:.3f}" for g in LANGS if g in row)
                    print(
                        f"{kind:12} {alpha:>5} {where:>11} {name:>13} "
                        f"{row['accuracy']:>8.4f}  {langs}"
                    )
    reviewed = np.load(args.metrics_dir / "svm_live_probs.npz")["truth"]
    counts = pd.Series(reviewed).value_counts().to_dict()
    training = {str(k): float(v) for k, v in mix.items()}
    desk_rows = []
    print(f"{'model':12} {'pseudo':>6} {'set':>13} {'accuracy':>8}  en / fr / ar (desk mix)")
    for kind in ("svm", "transformer"):
        for name in ("live", "live_holdout"):
            data = np.load(args.metrics_dir / f"{kind}_{name}_probs.npz")
            for pseudo in PSEUDO_COUNTS:
                row = {"model": kind, "pseudo_count": pseudo, "set": name}
                row.update(desk_scores(data, training, desk_mix(counts, training, pseudo)))
                desk_rows.append(row)
                langs = " / ".join(f"{row[g]:.3f}" for g in LANGS)
                print(f"{kind:12} {pseudo:>6} {name:>13} {row['accuracy']:>8.4f}  {langs}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": machine(),
        "training_prior": {k: round(float(v), 4) for k, v in mix.items()},
        "rows": rows,
        "desk": {"reviewed": "development live set labels", "rows": desk_rows},
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
