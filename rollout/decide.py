"""The rollout decision: given the status and what is observed now, the next status.

`decide()` is a plain function of (spec, status, observation, now). The operator persists the
status it returns *before* acting on the cluster, and what the InferenceService should serve is
itself a function of the status (`desired_serving`), so an operator killed at any point resumes
from the status alone.

Phases:
    Idle --(alias points elsewhere, version usable)--> Progressing
    Idle --(version missing / no artifacts)--> Failed          (running model untouched)
    Progressing --(new model Ready)--> Baking
    Progressing --(readiness timeout, load failure, patch refused)--> RolledBack / Failed
    Baking --(bake time passed, limits held, still Ready)--> Succeeded
    Baking --(error rate or latency over the limit, not Ready)--> RolledBack
    Progressing/Baking --(alias moved again)--> Progressing (the latest) or Idle (moved back)
    Succeeded / RolledBack / Failed --(alias moves to another version)--> Progressing
A version that failed is not retried while the alias still points at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rollout.health import HealthReport, judge
from rollout.kserve import FAILED as R_FAILED
from rollout.kserve import READY as R_READY
from rollout.kserve import IsvcState, Readiness, Serving, canary_name_for
from rollout.model import (
    BAKING,
    FAILED,
    IDLE,
    IN_PROGRESS,
    PROGRESSING,
    ROLLED_BACK,
    SUCCEEDED,
    RolloutSpec,
    RolloutStatus,
    seconds_since,
    ts,
)

# Registry problems.
ALIAS_NOT_SET = "AliasNotSet"
VERSION_NOT_FOUND = "VersionNotFound"
ARTIFACTS_MISSING = "ArtifactsMissing"
REGISTRY_UNAVAILABLE = "RegistryUnavailable"
ARTIFACT_CHECK_FAILED = "ArtifactCheckFailed"
VERSION_PROBLEMS = (VERSION_NOT_FOUND, ARTIFACTS_MISSING)
TRANSIENT_PROBLEMS = (REGISTRY_UNAVAILABLE, ARTIFACT_CHECK_FAILED)

# Rollout results (history, events, metrics).
RESULT_SUCCEEDED = "Succeeded"
RESULT_ROLLED_BACK = "RolledBack"
RESULT_FAILED = "Failed"
RESULT_SUPERSEDED = "Superseded"

ISVC_NOT_FOUND = "InferenceServiceNotFound"
INVALID_SPEC = "InvalidSpec"  # written by the operator when the spec cannot be read


@dataclass(frozen=True)
class RegistryView:
    """What the alias (or pinned version) resolves to right now."""

    version: str | None  # None: alias not set, or registry unreachable
    uri: str | None = None  # storageUri for that version, when usable
    problem: str | None = None
    detail: str = ""

    @property
    def transient(self) -> bool:
        return self.problem in TRANSIENT_PROBLEMS


@dataclass(frozen=True)
class Observation:
    registry: RegistryView
    isvc: IsvcState | None  # None: the InferenceService does not exist
    readiness: Readiness | None = None  # of the target, while Progressing/Baking
    health: HealthReport | None = None  # while Baking
    patch_error: str | None = None  # the API refused the last InferenceService patch


@dataclass(frozen=True)
class Event:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass
class Decision:
    status: RolloutStatus
    events: list[Event] = field(default_factory=list)
    results: list[str] = field(default_factory=list)  # finished rollouts, for metrics
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # version -> tags


def set_condition(
    status: RolloutStatus, type_: str, value: bool, reason: str, message: str, now: datetime
) -> None:
    """Upsert a condition; lastTransitionTime moves only when the status flips."""
    new = "True" if value else "False"
    old = status.condition(type_)
    since = old["lastTransitionTime"] if old and old.get("status") == new else ts(now)
    entry = {
        "type": type_,
        "status": new,
        "reason": reason or ("AsExpected" if not value else type_),
        "message": message,
        "lastTransitionTime": since,
    }
    status.conditions = [c for c in status.conditions if c.get("type") != type_] + [entry]
    status.conditions.sort(key=lambda c: CONDITION_ORDER.get(c["type"], 99))


CONDITION_ORDER = {"Ready": 0, "Progressing": 1, "Degraded": 2, "RegistryReachable": 3}


def desired_serving(spec: RolloutSpec, status: RolloutStatus) -> Serving | None:
    """What the InferenceService must serve, given the status (None: leave it alone)."""
    if status.phase in IN_PROGRESS and status.target_uri:
        if status.canary_name:
            return Serving(
                status.current_version,
                status.current_uri,
                canary_name=status.canary_name,
                canary_version=status.target_version,
                canary_uri=status.target_uri,
                canary_percent=spec.strategy.canary_percent,
            )
        return Serving(status.target_version, status.target_uri)
    if status.phase == "":
        return None  # never reconciled: nothing adopted yet
    if status.model is not None and (status.model, status.inference_service) != (
        spec.model,
        spec.inference_service,
    ):
        return None  # the spec now names another model or InferenceService: re-adopt first
    # At rest: the known-good model; with none (the InferenceService had no model when adopted),
    # no model at all.
    return Serving(status.current_version, status.current_uri)


def alias_to_restore(
    spec: RolloutSpec, status: RolloutStatus, registry: RegistryView
) -> str | None:
    """After a rollback: the version the alias should point at again (None: nothing to do)."""
    if (
        spec.version is None
        and spec.strategy.revert_alias
        and status.phase in (ROLLED_BACK, FAILED)
        and status.failed_version is not None
        and registry.version == status.failed_version
        and status.current_version is not None
        and status.current_version != status.failed_version
    ):
        return status.current_version
    return None


def _v(version: str | None) -> str:
    return f"v{version}" if version is not None else "the adopted model"


class _Rollout:
    """One decision: mutates a copy of the status and collects events."""

    def __init__(self, spec: RolloutSpec, status: RolloutStatus, obs: Observation, now: datetime):
        self.spec, self.obs, self.now = spec, obs, now
        self.st = status.copy()
        self.d = Decision(self.st)

    # -- helpers -------------------------------------------------------------------------------

    def enter(self, phase: str, reason: str, message: str) -> None:
        if self.st.phase != phase:
            self.st.phase_since = ts(self.now)
        self.st.phase, self.st.reason, self.st.message = phase, reason, message

    def event(self, type_: str, reason: str, message: str) -> None:
        self.d.events.append(Event(type_, reason, message))

    def record(self, version: str | None, result: str, reason: str, message: str) -> None:
        entry = {
            "version": version,
            "previousVersion": self.st.current_version,
            "result": result,
            "reason": reason,
            "message": message,
            "startedAt": self.st.rollout_started_at or ts(self.now),
            "finishedAt": ts(self.now),
        }
        entry = {k: v for k, v in entry.items() if v is not None}  # list items keep no nulls
        self.st.history = [entry, *self.st.history][: self.spec.history_limit]
        self.d.results.append(result)

    def clear_target(self) -> None:
        st = self.st
        st.target_version = st.target_uri = st.canary_name = None
        st.rollout_started_at = st.bake_started_at = None
        st.health = None

    # -- transitions ---------------------------------------------------------------------------

    def start(self, version: str, uri: str | None) -> None:
        st, strategy = self.st, self.spec.strategy
        isvc = self.obs.isvc
        if strategy.canary_percent and isvc is not None and isvc.deployment_mode == "Serverless":
            return self.fail(
                version,
                "CanaryUnsupported",
                "canaryTrafficPercent is implemented with KServe spec.canary, which needs "
                "Standard (RawDeployment) mode; this InferenceService is Serverless",
            )
        st.target_version, st.target_uri = version, uri
        # A canary needs a stable model beside it; with none yet, the first model goes in directly.
        st.canary_name = (
            canary_name_for(version, isvc.predictor_name if isvc else None)
            if strategy.canary_percent and st.current_uri
            else None
        )
        st.rollout_started_at = ts(self.now)
        st.bake_started_at, st.health = None, None
        how = (
            f" as a {strategy.canary_percent}% canary '{st.canary_name}'" if st.canary_name else ""
        )
        message = f"rolling out v{version}{how} (serving {_v(st.current_version)})"
        self.enter(PROGRESSING, "RolloutStarted", message)
        self.event("Normal", "RolloutStarted", message)

    def fail(self, version: str | None, reason: str, message: str) -> None:
        """The version cannot be used; the running model stays."""
        self.st.failed_version = version
        self.record(version, RESULT_FAILED, reason, message)
        self.clear_target()
        self.enter(FAILED, reason, message)
        self.event("Warning", reason, message)
        if version is not None:
            self.d.tags.append((version, {"rollout.result": "failed", "rollout.reason": message}))

    def rollback(self, reason: str, message: str) -> None:
        st = self.st
        version = st.target_version
        full = f"v{version} rolled back to {_v(st.current_version)}: {message}"
        st.failed_version = version
        self.record(version, RESULT_ROLLED_BACK, reason, message)
        self.clear_target()
        self.enter(ROLLED_BACK, reason, full)
        self.event("Warning", "RolledBack", f"{full} ({reason})")
        if version is not None:
            self.d.tags.append(
                (
                    version,
                    {"rollout.result": "rolled_back", "rollout.reason": f"{reason}: {message}"},
                )
            )

    def succeed(self, summary: str) -> None:
        st = self.st
        version = st.target_version
        message = f"v{version} serves ({summary})"
        self.record(version, RESULT_SUCCEEDED, "BakeSucceeded", summary)
        st.previous_version, st.previous_uri = st.current_version, st.current_uri
        st.current_version, st.current_uri = st.target_version, st.target_uri
        st.failed_version = None
        self.clear_target()
        self.enter(SUCCEEDED, "BakeSucceeded", message)
        self.event("Normal", "Succeeded", message)
        if version is not None:
            self.d.tags.append((version, {"rollout.result": "succeeded"}))

    def supersede(self, new_version: str | None) -> None:
        old = self.st.target_version
        where = f"v{new_version}" if new_version is not None else "nothing (alias removed)"
        message = f"v{old} abandoned: {self.spec.ref} now points at {where}"
        self.record(old, RESULT_SUPERSEDED, "Superseded", message)
        self.clear_target()
        self.enter(IDLE, "Superseded", message)
        self.event("Normal", "Superseded", message)

    # -- the decision --------------------------------------------------------------------------

    def run(self) -> Decision:
        st, obs, reg, spec = self.st, self.obs, self.obs.registry, self.spec
        if reg.version is not None and not reg.transient:
            st.desired_version = reg.version
            if st.failed_version is not None and reg.version != st.failed_version:
                st.failed_version = None  # the alias moved away: that version may be retried
        elif reg.problem == ALIAS_NOT_SET:
            st.desired_version = None

        retargeted = (st.model, st.inference_service) != (spec.model, spec.inference_service)
        if st.phase and retargeted and st.model is not None:
            # spec.model or spec.inferenceService changed: the versions in the status belong to
            # another model or InferenceService. Start over from what the new one serves.
            self.clear_target()
            st.current_version = st.current_uri = st.previous_version = st.previous_uri = None
            st.failed_version = None
            st.phase = ""
        st.model, st.inference_service = spec.model, spec.inference_service

        if self.spec.suspend:
            st.message = "suspended: spec.suspend is true"
        elif obs.isvc is None:
            self.missing_isvc()
        else:
            if st.phase == "" or (
                st.phase == FAILED and st.reason in (ISVC_NOT_FOUND, INVALID_SPEC)
            ):
                self.adopt()
            if obs.patch_error and st.phase in IN_PROGRESS:
                self.fail(
                    st.target_version,
                    "PatchRejected",
                    f"the API refused the InferenceService patch: {obs.patch_error}",
                )
            elif st.phase in IN_PROGRESS:
                self.in_progress()
            else:
                self.at_rest()
        self.conditions()
        return self.d

    def missing_isvc(self) -> None:
        isvc = self.spec.inference_service
        message = f"InferenceService '{isvc}' not found"
        if self.st.phase in IN_PROGRESS:
            self.record(self.st.target_version, RESULT_FAILED, ISVC_NOT_FOUND, message)
            self.clear_target()
        if self.st.reason != ISVC_NOT_FOUND:
            self.event("Warning", ISVC_NOT_FOUND, message)
        self.enter(FAILED, ISVC_NOT_FOUND, message)

    def adopt(self) -> None:
        st, isvc = self.st, self.obs.isvc
        assert isvc is not None
        if st.current_uri is None:
            st.current_version, st.current_uri = isvc.version, isvc.uri
            reg = self.obs.registry
            if isvc.version is None and reg.uri is not None and reg.uri == isvc.uri:
                st.current_version = reg.version  # already serves the alias' version
        message = f"following {self.spec.ref} of '{self.spec.model}'; serving {_v(isvc.version)}"
        self.enter(IDLE, "Adopted", message)
        self.event("Normal", "Adopted", message)

    def at_rest(self) -> None:
        st, reg = self.st, self.obs.registry
        version = reg.version
        if reg.transient or version is None:
            return
        if version == st.current_version or version == st.failed_version:
            return
        if reg.problem in VERSION_PROBLEMS:
            return self.fail(version, reg.problem, reg.detail or reg.problem)
        self.start(version, reg.uri)

    def in_progress(self) -> None:
        st, obs, reg, strategy = self.st, self.obs, self.obs.registry, self.spec.strategy
        target = st.target_version
        if not reg.transient and reg.version != target:
            self.supersede(reg.version)
            return self.at_rest()  # roll the latest one straight away

        readiness = obs.readiness or Readiness("pending", "not assessed yet")
        if readiness.state == R_FAILED:
            return self.rollback("NotReady", readiness.message)

        if st.phase == PROGRESSING:
            waited = seconds_since(st.phase_since, self.now)
            if readiness.state == R_READY:
                st.bake_started_at, st.health = ts(self.now), {}
                message = f"v{target} ready; baking for {strategy.bake_s:g} s"
                self.enter(BAKING, "Ready", message)
                self.event("Normal", "Ready", message)
            elif waited > strategy.readiness_timeout_s:
                self.rollback(
                    "ReadinessTimeout",
                    f"not ready after {strategy.readiness_timeout_s:g} s: {readiness.message}",
                )
            else:
                st.message = f"waiting for v{target} ({waited:.0f} s): {readiness.message}"
            return

        # Baking.
        report = obs.health
        verdict = judge(report.samples if report else (), strategy)
        if report is not None:
            st.health = report.state
        if verdict.breach:
            return self.rollback(verdict.reason, verdict.message)
        baked = seconds_since(st.bake_started_at, self.now)
        if baked >= strategy.bake_s:
            if readiness.state != R_READY:
                return self.rollback(
                    "NotReady", f"not ready at the end of the bake: {readiness.message}"
                )
            return self.succeed(verdict.summary)
        st.message = f"baking v{target}: {baked:.0f}/{strategy.bake_s:g} s; {verdict.summary}" + (
            "" if readiness.state == R_READY else f"; not ready: {readiness.message}"
        )

    def conditions(self) -> None:
        st, obs, now = self.st, self.obs, self.now
        isvc, reg = obs.isvc, obs.registry
        if isvc is None:
            set_condition(st, "Ready", False, ISVC_NOT_FOUND, st.message, now)
        elif isvc.ready:
            set_condition(
                st, "Ready", True, "InferenceServiceReady", f"serving {_v(isvc.version)}", now
            )
        else:
            set_condition(st, "Ready", False, "InferenceServiceNotReady", isvc.ready_message, now)
        in_progress = st.phase in IN_PROGRESS
        set_condition(
            st, "Progressing", in_progress, st.phase if in_progress else st.reason, st.message, now
        )
        degraded = st.phase in (ROLLED_BACK, FAILED)
        set_condition(
            st,
            "Degraded",
            degraded,
            st.reason if degraded else "",
            st.message if degraded else "",
            now,
        )
        reachable = not reg.transient
        set_condition(
            st,
            "RegistryReachable",
            reachable,
            "Reachable" if reachable else reg.problem or "",
            reg.detail if not reachable else "",
            now,
        )


def decide(spec: RolloutSpec, status: RolloutStatus, obs: Observation, now: datetime) -> Decision:
    """The next status, the events to post and the registry tags to set."""
    return _Rollout(spec, status, obs, now).run()


def changed(old: RolloutStatus, new: RolloutStatus) -> bool:
    a, b = old.to_dict(), new.to_dict()
    for d in (a, b):
        d.pop("revision", None)
        d.pop("observedGeneration", None)
    return a != b
