"""Move the `production` alias: forward only through the quality gate, back on request.

The gate compares test-split accuracy logged with each version's run, and only when both were
measured on the same test split (its sha256 is a tag of every run): numbers from different splits
say nothing about which model is better. It also refuses a candidate whose accuracy on the
hand-written live-style set falls well below production's: the stripped test split cannot see a
model (or an export, such as a coarser int8 quantisation) that fails tickets as people write them.
The live comparison is paired and judged as evidence: on the tickets both versions answered
(`reports/live_answers.json` of each run), the candidate is refused only when a bootstrap over
those tickets puts its drop beyond `max_live_drop` with probability `live_drop_evidence`, so a
retrain that differs from production by chance on a few tickets neither fails nor passes on
them alone. And it refuses a candidate whose own `auto` answers on a live-style set are right
less often than `registry.auto_accuracy_floor`: a support team routes those tickets without
looking, so a model that is confidently wrong there is worse than the production one. With no
production version to keep, the candidate is promoted with its band withdrawn
(`contract.bands.TAG_WITHDRAWN`): it answers, and every answer goes to review.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from contract.bands import TAG_WITHDRAWN
from pipelines.cli import StageError, run
from pipelines.params import PipelineSettings, RegistryParams
from pipelines.tracking import connect

log = logging.getLogger("pipelines.promote")
PRODUCTION = "production"
STAGING = "staging"
# Live-style sets the gate guards: the development set (data/live) and the held-out one.
LIVE_SETS = ("live", "live_holdout")
# Per live-style set, each ticket (a hash of its text and label) -> 1 right / 0 wrong.
LIVE_ANSWERS = "reports/live_answers.json"
RESAMPLES = 4000


@dataclass
class Decision:
    promoted: bool
    reason: str
    candidate: str
    previous: str | None


def _alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    try:
        return client.get_model_version_by_alias(name, alias).version
    except MlflowException:
        return None


@dataclass
class RunFacts:
    accuracy: float
    split: str | None
    live_accuracy: dict[str, float | None]
    auto: dict[str, tuple[int, float | None]]  # per live set: auto rows, their accuracy
    answers: dict[str, dict[str, int]] | None  # per live set, per ticket: right or wrong


@dataclass
class PairedDrop:
    rows: int  # tickets both versions answered
    drop: float  # production's accuracy minus the candidate's, on those tickets
    beyond: float  # bootstrap probability that the drop exceeds the tolerance


def paired_drop(
    candidate: dict[str, int], production: dict[str, int], tolerance: float, seed: int = 0
) -> PairedDrop | None:
    """How much worse the candidate is on the tickets both answered, and how sure that is.

    Pairing removes the ticket sample from the comparison (both versions face the same hard
    tickets); resampling the tickets says how far the drop could move with other tickets like
    them. None when they share no ticket (the live set was rewritten in between)."""
    shared = sorted(candidate.keys() & production.keys())
    if not shared:
        return None
    diff = np.array([production[k] - candidate[k] for k in shared], dtype=float)
    rng = np.random.default_rng(seed)
    drops = diff[rng.integers(0, len(diff), size=(RESAMPLES, len(diff)))].mean(axis=1)
    return PairedDrop(len(shared), float(diff.mean()), float((drops > tolerance).mean()))


def _live_answers(client: MlflowClient, run_id: str) -> dict[str, dict[str, int]] | None:
    """None for a run logged before per-ticket answers were (its guard is the point rule)."""
    logged = {a.path for a in client.list_artifacts(run_id, str(Path(LIVE_ANSWERS).parent))}
    if LIVE_ANSWERS not in logged:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        return json.loads(Path(client.download_artifacts(run_id, LIVE_ANSWERS, tmp)).read_text())


def _run_facts(client: MlflowClient, name: str, version: str) -> RunFacts:
    mv = client.get_model_version(name, version)
    if not mv.run_id:
        raise StageError(f"{name} v{version}: no training run recorded; cannot judge it")
    run_data = client.get_run(mv.run_id).data
    if "test_accuracy" not in run_data.metrics:
        raise StageError(f"{name} v{version}: its run has no test_accuracy metric")
    return RunFacts(
        run_data.metrics["test_accuracy"],
        run_data.tags.get("split_sha256"),
        {name: run_data.metrics.get(f"{name}_accuracy") for name in LIVE_SETS},
        {
            name: (
                int(run_data.metrics.get(f"{name}_auto_rows", 0)),
                run_data.metrics.get(f"{name}_auto_accuracy"),
            )
            for name in LIVE_SETS
        },
        _live_answers(client, mv.run_id),
    )


def _live_drop_failure(
    live: str, candidate: RunFacts, production: RunFacts, gate: RegistryParams
) -> str | None:
    """Why the candidate is too much worse than production on a live set, or None."""
    mine, theirs = candidate.live_accuracy[live], production.live_accuracy[live]
    if mine is None or theirs is None:  # registered before this live set existed: not judged
        return None
    tolerance = gate.max_live_drop
    paired = None
    if candidate.answers is not None and production.answers is not None:
        paired = paired_drop(
            candidate.answers.get(live, {}), production.answers.get(live, {}), tolerance
        )
    if paired is None:
        if mine < theirs - tolerance:
            return (
                f"{live} accuracy {mine:.4f} is more than {tolerance} below "
                f"production's ({theirs:.4f})"
            )
        return None
    if paired.beyond >= gate.live_drop_evidence:
        return (
            f"{live} accuracy {paired.drop:.4f} lower than production's on the {paired.rows} "
            f"tickets both answered, beyond {tolerance} with probability {paired.beyond:.2f} "
            f"(>= {gate.live_drop_evidence})"
        )
    return None


def _band_floor_failure(facts: RunFacts, gate: RegistryParams) -> str | None:
    """Why the candidate's own auto band is unsafe on a live set, or None when it is not."""
    for live in LIVE_SETS:
        rows, accuracy = facts.auto[live]
        judged = rows >= gate.auto_floor_rows and accuracy is not None
        if judged and accuracy < gate.auto_accuracy_floor:
            return (
                f"its {rows} auto answers on {live} are right {accuracy:.4f} of the time, "
                f"below the floor {gate.auto_accuracy_floor}"
            )
    return None


def promote(
    client: MlflowClient,
    name: str,
    version: str,
    gate: RegistryParams | None = None,
) -> Decision:
    """Give `version` the production alias if it is at least as good as the current one."""
    gate = gate or RegistryParams()
    min_improvement = gate.min_improvement
    version = str(version)
    current = _alias_version(client, name, PRODUCTION)
    if current == version:
        return Decision(False, f"v{version} is already production", version, current)
    facts = _run_facts(client, name, version)
    unsafe = _band_floor_failure(facts, gate)
    if unsafe is not None and current is not None:
        return Decision(False, f"v{version} refused: {unsafe}", version, current)
    if unsafe is not None:  # set before the alias moves: the agent never sees it with a band
        client.set_model_version_tag(name, version, TAG_WITHDRAWN, unsafe)
    if current is not None:
        prod = _run_facts(client, name, current)
        if facts.split != prod.split:
            return Decision(
                False,
                f"v{version} and production v{current} were tested on different splits; "
                "retrain both on the same split or roll production by hand",
                version,
                current,
            )
        if facts.accuracy < prod.accuracy + min_improvement:
            return Decision(
                False,
                f"v{version} test accuracy {facts.accuracy:.4f} does not beat production "
                f"v{current} ({prod.accuracy:.4f} + {min_improvement})",
                version,
                current,
            )
        for live in LIVE_SETS:
            worse = _live_drop_failure(live, facts, prod, gate)
            if worse is not None:
                return Decision(
                    False, f"v{version} refused against v{current}: {worse}", version, current
                )
    client.set_registered_model_alias(name, PRODUCTION, version)
    if current is not None:
        client.set_model_version_tag(name, version, "previous_production", current)
    reason = (
        f"v{version} ({facts.accuracy:.4f}) promoted over v{current}"
        if current
        else f"v{version} ({facts.accuracy:.4f}) promoted: no production version yet"
    )
    if unsafe is not None:
        reason = f"{reason}, with its auto band withdrawn: {unsafe}"
    return Decision(True, reason, version, current)


def rollback(client: MlflowClient, name: str, version: str) -> Decision:
    """Point production at a named earlier version, skipping the gate: a human decided."""
    version = str(version)
    try:
        client.get_model_version(name, version)
    except MlflowException:
        raise StageError(f"{name} has no version {version}") from None
    current = _alias_version(client, name, PRODUCTION)
    client.set_registered_model_alias(name, PRODUCTION, version)
    return Decision(True, f"production rolled back from v{current} to v{version}", version, current)


def main() -> None:
    settings = PipelineSettings()
    params = settings.params()
    parser = argparse.ArgumentParser(description="Promote or roll back a registered model.")
    parser.add_argument("--model", required=True, help="registered model name")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--version", help="candidate to promote through the quality gate")
    action.add_argument("--staging", action="store_true", help="promote the staging version")
    action.add_argument("--rollback-to", help="version to make production without the gate")
    args = parser.parse_args()
    connect(settings.tracking_uri)
    client = MlflowClient()
    if args.rollback_to:
        decision = rollback(client, args.model, args.rollback_to)
    else:
        version = args.version or _alias_version(client, args.model, STAGING)
        if version is None:
            raise StageError(f"{args.model} has no staging version")
        decision = promote(client, args.model, version, params.registry)
    print(decision.reason)


if __name__ == "__main__":
    run(main)
