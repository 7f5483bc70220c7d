"""Pick each model's `auto`-band thresholds (confidence, familiarity): contract.bands' rule.

Replays the agent on the validation split and the development live set (`data/live`): the
router's calibrated threshold (metrics/router.json) decides which model answers each ticket, then
every candidate pair (confidence, familiarity) of that model is scored. The pair kept gives the
most `auto` answers whose accuracy reaches `bands.target_accuracy` on the validation split AND
`bands.live_target_accuracy` on the live set: the stripped validation split alone cannot see a
model that is confidently wrong on tickets as people write them. The held-out live set and the
test split are replayed too, but nothing is chosen on them: the held-out replay is what the
quality gate's band floor judges (pipelines.promote). The register stage stores the thresholds
as tags on each model's version and each model's own replayed figures as metrics of its run;
the agent applies the tags of the version that answered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from contract.bands import BandPolicy
from contract.routing import escalates
from pipelines.calibrate_router import correct, forced_rows, load_npz
from pipelines.cli import StageError, run
from pipelines.evaluate import read_live
from pipelines.params import BandParams, Params, PipelineSettings
from pipelines.prepare import read_split

log = logging.getLogger("pipelines.calibrate_bands")
KINDS = ("svm", "transformer")
CONFIDENCES = np.round(np.arange(0.30, 1.0, 0.01), 2)
FAMILIARITY_PERCENTILES = (0, 1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60)


@dataclass
class Replay:
    """One data set as the agent answers it: who answered, with what, and was it right."""

    answered_by: np.ndarray  # "svm" / "transformer"
    confidence: np.ndarray
    familiarity: np.ndarray
    ok: np.ndarray
    disagree: np.ndarray  # escalations where the two models name different categories
    languages: np.ndarray

    def auto(self, policies: dict[str, BandPolicy]) -> np.ndarray:
        mask = np.zeros(len(self.ok), dtype=bool)
        for kind, policy in policies.items():
            mask |= (
                (self.answered_by == kind)
                & (self.confidence >= policy.confidence)
                & (self.familiarity >= policy.familiarity)
            )
        return mask & ~self.disagree


def replay(metrics_dir: Path, split: str, forced: np.ndarray, threshold: float) -> Replay:
    svm, tr = load_npz(metrics_dir, "svm", split), load_npz(metrics_dir, "transformer", split)
    svm_conf = svm["probs"].max(axis=1)
    escalated = ~forced & escalates(svm_conf, threshold)
    to_tr = forced | escalated
    disagree = escalated & (svm["probs"].argmax(axis=1) != tr["probs"].argmax(axis=1))
    languages = svm["languages"] if "languages" in svm.files else np.full(len(forced), "en")
    return Replay(
        np.where(to_tr, "transformer", "svm"),
        np.where(to_tr, tr["probs"].max(axis=1), svm_conf),
        np.where(to_tr, tr["familiarity"], svm["familiarity"]),
        np.where(to_tr, correct(tr), correct(svm)),
        disagree,
        languages,
    )


def summary(data: Replay, policies: dict[str, BandPolicy]) -> dict:
    auto = data.auto(policies)
    out = {
        "rows": len(auto),
        "auto_share": round(float(auto.mean()), 4),
        "auto_accuracy": round(float(data.ok[auto].mean()), 4) if auto.any() else None,
        "auto_rows": int(auto.sum()),
        "accuracy": round(float(data.ok.mean()), 4),
    }
    # Each model's own auto answers: the gate judges a version by these (pipelines.promote).
    out["by_model"] = {kind: summary_of(data, auto, data.answered_by == kind) for kind in KINDS}
    if len(set(data.languages)) > 1:
        out["by_language"] = {
            lang: summary_of(data, auto, data.languages == lang)
            for lang in sorted(set(data.languages))
        }
    return out


def summary_of(data: Replay, auto: np.ndarray, rows: np.ndarray) -> dict:
    chosen = auto & rows
    return {
        "rows": int(rows.sum()),
        "auto_rows": int(chosen.sum()),
        "auto_accuracy": round(float(data.ok[chosen].mean()), 4) if chosen.any() else None,
        "accuracy": round(float(data.ok[rows].mean()), 4),
    }


def choose(kind: str, val: Replay, live: Replay, p: BandParams) -> tuple[BandPolicy, dict]:
    """The pair with the largest weighted auto share that meets both accuracy targets."""
    mine = val.answered_by == kind
    if not mine.any():
        return BandPolicy(1.01, 1.01, "nothing to calibrate on"), {}
    familiarities = sorted(
        {round(float(np.percentile(val.familiarity[mine], q)), 4) for q in FAMILIARITY_PERCENTILES}
    )
    best: tuple | None = None
    for familiarity in familiarities:
        for confidence in CONFIDENCES:
            policy = {kind: BandPolicy(float(confidence), familiarity)}
            figures = []
            for data, target in ((val, p.target_accuracy), (live, p.live_target_accuracy)):
                auto = data.auto(policy)
                accuracy = float(data.ok[auto].mean()) if auto.any() else 1.0
                figures.append((auto.mean(), accuracy, accuracy >= target))
            (val_share, val_acc, val_ok), (live_share, live_acc, live_ok) = figures
            if not (val_ok and live_ok):
                continue
            score = (1 - p.live_weight) * val_share + p.live_weight * live_share
            key = (score, confidence, familiarity)
            if best is None or key > best[0]:
                best = (key, familiarity, confidence, val_share, val_acc, live_share, live_acc)
    if best is None:  # no pair meets the targets: this model never answers in `auto`
        return BandPolicy(1.01, 1.01, "no threshold meets the targets"), {}
    _, familiarity, confidence, val_share, val_acc, live_share, live_acc = best
    return BandPolicy(float(confidence), familiarity), {
        "val_auto_share": round(float(val_share), 4),
        "val_auto_accuracy": round(val_acc, 4),
        "live_auto_share": round(float(live_share), 4),
        "live_auto_accuracy": round(live_acc, 4),
    }


def calibrate(settings: PipelineSettings, params: Params) -> dict:
    router_path = settings.metrics_dir / "router.json"
    if not router_path.is_file():
        raise StageError(f"{router_path}: missing; run the calibrate_router stage first")
    router = json.loads(router_path.read_text())
    threshold = float(router["svm_threshold"])
    sets: dict[str, Replay] = {}
    for split in ("val", "test"):
        texts, _ = read_split(settings.splits_dir, split)
        forced = forced_rows(texts, ["en"] * len(texts), params)
        sets[split] = replay(settings.metrics_dir, split, forced, threshold)
    for name, path in (("live", settings.live_path), ("live_holdout", settings.live_holdout_path)):
        if name == "live" or path.is_file():
            live = read_live(path)
            forced = forced_rows(live["text"].tolist(), live["language"].tolist(), params)
            sets[name] = replay(settings.metrics_dir, name, forced, threshold)
    policies, chosen = {}, {}
    for kind in KINDS:
        policies[kind], chosen[kind] = choose(kind, sets["val"], sets["live"], params.bands)
    result = {
        "targets": params.bands.model_dump(),
        "router_threshold": threshold,
        "policies": {
            kind: {"confidence": pol.confidence, "familiarity": pol.familiarity, **chosen[kind]}
            for kind, pol in policies.items()
        },
        # Replays of contract.bands' rule; only val and live chose the thresholds.
        "replay": {name: summary(data, policies) for name, data in sets.items()},
    }
    (settings.metrics_dir / "bands.json").write_text(json.dumps(result, indent=2))
    for name, figures in result["replay"].items():
        log.info(
            "%s: %.1f%% auto at accuracy %s (all answers %.4f)",
            name,
            100 * figures["auto_share"],
            figures["auto_accuracy"],
            figures["accuracy"],
        )
    return result


def main() -> None:
    settings = PipelineSettings()
    calibrate(settings, settings.params())


if __name__ == "__main__":
    run(main)
