"""Pick each model's `auto`-band thresholds (confidence, familiarity): contract.bands' rule.

Replays the agent on the validation split and the development live set (`data/live`): the
router's calibrated threshold (metrics/router.json) decides which model answers each ticket, then
every candidate pair (confidence, familiarity) of that model is scored. The pair kept gives the
most `auto` answers whose accuracy, as a one-sided Clopper-Pearson lower bound at
`bands.evidence_level`, reaches `bands.target_accuracy` on the validation split AND
`bands.live_target_accuracy` on the live set: the stripped validation split alone cannot see a
model that is confidently wrong on tickets as people write them, and a point estimate on a few
live answers cannot tell luck from skill. A split the model was fit on is no evidence (the
transformer's `fit_splits` may hold `val`): such a model earns no band unless `bands.live_alone`
lets the live set alone vouch for it.
The held-out live set and the test split are replayed too, but nothing is chosen on them: the
held-out replay is what the quality gate's band floor judges (pipelines.promote). The register
stage stores the thresholds as tags on each model's version and each model's own replayed
figures as metrics of its run; the agent applies the tags of the version that answered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import beta

from contract.bands import NO_BAND, BandPolicy
from contract.routing import Policy, blend, escalates
from pipelines.calibrate_router import forced_rows, load_npz, row_blend_weights, system_correct
from pipelines.cli import StageError, run
from pipelines.evaluate import read_live
from pipelines.params import BandParams, Params, PipelineSettings
from pipelines.prepare import read_split

log = logging.getLogger("pipelines.calibrate_bands")
KINDS = ("svm", "transformer")
CONFIDENCES = np.round(np.arange(0.30, 1.0, 0.01), 2)
FAMILIARITY_PERCENTILES = (0, 1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60)
OOD_PERCENTILE = 5  # a model without a band: "unfamiliar" below this validation percentile


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


def replay(metrics_dir: Path, split: str, forced: np.ndarray, policy: Policy) -> Replay:
    """The agent's answers: the transformer's tickets carry the blend of both models'
    probabilities (contract.routing.blend, at the weight of the ticket's language) and the
    transformer's familiarity."""
    svm, tr = load_npz(metrics_dir, "svm", split), load_npz(metrics_dir, "transformer", split)
    svm_conf = svm["probs"].max(axis=1)
    escalated = ~forced & escalates(svm_conf, policy.svm_threshold)
    to_tr = forced | escalated
    languages = svm["languages"] if "languages" in svm.files else np.full(len(forced), "en")
    weights = row_blend_weights(languages, policy)
    mixed = blend(svm["probs"], tr["probs"], weights)
    disagree = escalated & (svm["probs"].argmax(axis=1) != mixed.argmax(axis=1))
    return Replay(
        np.where(to_tr, "transformer", "svm"),
        np.where(to_tr, mixed.max(axis=1), svm_conf),
        np.where(to_tr, tr["familiarity"], svm["familiarity"]),
        system_correct(svm, tr, to_tr, weights),
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


def lower_bound(right: int, rows: int, level: float) -> float:
    """The accuracy that `right` of `rows` answers show with `level` confidence (one-sided
    Clopper-Pearson): 8 of 8 shows 0.82 at 0.8, 33 of 34 shows 0.94."""
    if right == 0:
        return 0.0
    return float(beta.ppf(1 - level, right, rows - right + 1))


def choose(
    kind: str, val: Replay, live: Replay, p: BandParams, val_in_sample: bool = False
) -> tuple[BandPolicy, dict]:
    """The pair with the largest weighted auto share whose auto answers meet the targets as a
    lower bound on every set that is evidence for this model: the validation split unless the
    model was fit on it, and the development live set. Without any auto answer on an evidence
    set a pair has shown nothing and is not kept."""
    mine = val.answered_by == kind
    if not mine.any():
        return BandPolicy(NO_BAND, NO_BAND, "nothing to calibrate on"), {}
    evidence = {"live": (live, p.live_target_accuracy)}
    if not val_in_sample:
        evidence["val"] = (val, p.target_accuracy)
    elif not p.live_alone:
        why = "the fit saw the validation split and the live set alone does not vouch for a band"
        return _no_band(val, mine, why, evidence)
    familiarities = sorted(
        {round(float(np.percentile(val.familiarity[mine], q)), 4) for q in FAMILIARITY_PERCENTILES}
    )
    best: tuple | None = None
    for familiarity in familiarities:
        for confidence in CONFIDENCES:
            policy = {kind: BandPolicy(float(confidence), familiarity)}
            figures, shown, met = {}, False, True
            for name, data in (("val", val), ("live", live)):
                auto = data.auto(policy)
                rows, right = int(auto.sum()), int(data.ok[auto].sum())
                bound = lower_bound(right, rows, p.evidence_level) if rows else None
                figures[name] = (auto.mean(), right / rows if rows else None, bound)
                if name in evidence and rows:
                    shown = True
                    met = met and bound >= evidence[name][1]
            if not (shown and met):
                continue
            score = (1 - p.live_weight) * figures["val"][0] + p.live_weight * figures["live"][0]
            key = (score, confidence, familiarity)
            if best is None or key > best[0]:
                best = (key, familiarity, confidence, figures)
    if best is None:  # no pair meets the targets: this model never answers in `auto`
        why = "no threshold meets the targets"
        if val_in_sample:
            why += " on the live set (the fit saw the validation split)"
        return _no_band(val, mine, why, evidence)
    _, familiarity, confidence, figures = best
    chosen = {"evidence": sorted(evidence)}
    for name, (share, accuracy, bound) in figures.items():
        chosen[f"{name}_auto_share"] = round(float(share), 4)
        chosen[f"{name}_auto_accuracy"] = None if accuracy is None else round(accuracy, 4)
        chosen[f"{name}_lower_bound"] = None if bound is None else round(bound, 4)
    return BandPolicy(float(confidence), familiarity), chosen


def _no_band(val: Replay, mine: np.ndarray, why: str, evidence: dict) -> tuple[BandPolicy, dict]:
    """A model that never answers in `auto`. Its answers still say when a ticket is unlike what
    it knows (the out-of-distribution share reads `unfamiliar`): below the familiarity of all but
    OOD_PERCENTILE% of the validation tickets it answers."""
    ood = round(float(np.percentile(val.familiarity[mine], OOD_PERCENTILE)), 4)
    return BandPolicy(NO_BAND, ood, why), {"evidence": sorted(evidence), "familiarity": ood}


def calibrate(settings: PipelineSettings, params: Params) -> dict:
    router_path = settings.metrics_dir / "router.json"
    if not router_path.is_file():
        raise StageError(f"{router_path}: missing; run the calibrate_router stage first")
    router = json.loads(router_path.read_text())
    threshold = float(router["svm_threshold"])
    weight = float(router.get("blend_weight", 0.0))
    weight_non_english = router.get("blend_weight_non_english")
    policy = Policy(threshold, blend_weight=weight, blend_weight_non_english=weight_non_english)
    sets: dict[str, Replay] = {}
    for split in ("val", "test"):
        texts, _ = read_split(settings.splits_dir, split)
        forced = forced_rows(texts, ["en"] * len(texts), params)
        sets[split] = replay(settings.metrics_dir, split, forced, policy)
    for name, path in (("live", settings.live_path), ("live_holdout", settings.live_holdout_path)):
        if name == "live" or path.is_file():
            live = read_live(path)
            forced = forced_rows(live["text"].tolist(), live["language"].tolist(), params)
            sets[name] = replay(settings.metrics_dir, name, forced, policy)
    # A split the model was fit on shows nothing about its answers (the SVM fits train only).
    in_sample = {"svm": False, "transformer": "val" in params.transformer.fit_splits}
    policies, chosen = {}, {}
    for kind in KINDS:
        policies[kind], chosen[kind] = choose(
            kind, sets["val"], sets["live"], params.bands, in_sample[kind]
        )
    result = {
        "targets": params.bands.model_dump(),
        "router_threshold": threshold,
        "blend_weight": weight,
        "blend_weight_non_english": weight_non_english,
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
