"""The rollout decision as plain functions: every phase transition, timeouts and rollbacks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rollout.decide import (
    ALIAS_NOT_SET,
    ARTIFACT_CHECK_FAILED,
    ARTIFACTS_MISSING,
    REGISTRY_UNAVAILABLE,
    VERSION_NOT_FOUND,
    Observation,
    RegistryView,
    alias_to_restore,
    changed,
    decide,
    desired_serving,
)
from rollout.health import HealthReport, HealthSample
from rollout.kserve import IsvcState, Readiness, Serving
from rollout.model import RolloutSpec, RolloutStatus, Strategy, ts

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
STRATEGY = Strategy(
    readiness_timeout_s=60, bake_s=120, max_error_rate=0.05, max_latency_ms=500, min_requests=10
)
SPEC = RolloutSpec(model="callcenter-svm", inference_service="callcenter-svm", strategy=STRATEGY)
READY = Readiness("ready", "rolled out")
PENDING = Readiness("pending", "1 of 2 replicas updated")
BROKEN = Readiness("failed", "BlockedByFailedLoad: MLmodel unreadable")


def uri(version: str | None) -> str | None:
    return None if version is None else f"s3://mlflow/{version}/model"


def isvc(version: str | None = "1", ready: bool = True, **kw) -> IsvcState:
    values = dict(
        version=version,
        uri=uri(version),
        ready=ready,
        ready_message="" if ready else "MinimumReplicasUnavailable",
        deployment_mode="RawDeployment",
        predictor_name=None,
    )
    values.update(kw)
    return IsvcState(**values)


def reg(version: str | None, problem: str | None = None, detail: str = "") -> RegistryView:
    return RegistryView(version, None if problem else uri(version), problem, detail)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def at_rest(current: str | None = "1", phase: str = "Idle", **kw) -> RolloutStatus:
    status = RolloutStatus(
        phase=phase,
        current_version=current,
        current_uri=uri(current),
        phase_since=ts(NOW),
        revision=4,
    )
    for key, value in kw.items():
        setattr(status, key, value)
    return status


def progressing(target: str = "2", current: str = "1", **kw) -> RolloutStatus:
    status = at_rest(current, "Progressing", target_version=target, target_uri=uri(target))
    status.rollout_started_at = ts(NOW)
    for key, value in kw.items():
        setattr(status, key, value)
    return status


def baking(target: str = "2", current: str = "1", **kw) -> RolloutStatus:
    status = progressing(target, current, phase="Baking", bake_started_at=ts(NOW), health={})
    for key, value in kw.items():
        setattr(status, key, value)
    return status


def health(requests=20, errors=0, p95=None, slow=None, source="probe") -> HealthReport:
    sample = HealthSample(source, requests=requests, errors=errors, p95_s=p95, slow=slow)
    return HealthReport((sample,), {"probe": {"requests": requests, "errors": errors}})


def run(status, registry, *, spec=SPEC, now=NOW, **obs):
    observation = Observation(
        registry, obs.pop("isvc", isvc()), obs.pop("readiness", None), obs.pop("health", None)
    )
    observation = replace(observation, **obs)
    return decide(spec, status, observation, now)


def cond(status: RolloutStatus, type_: str) -> tuple[str, str]:
    c = status.condition(type_)
    return c["status"], c["reason"]


# -- first sight -------------------------------------------------------------------------------


def test_first_sight_adopts_what_the_inference_service_serves():
    d = run(RolloutStatus(), reg("1"))
    st = d.status
    assert (st.phase, st.reason, st.current_version, st.current_uri) == (
        "Idle",
        "Adopted",
        "1",
        uri("1"),
    )
    assert [e.reason for e in d.events] == ["Adopted"]
    assert cond(st, "Ready") == ("True", "InferenceServiceReady")
    assert cond(st, "Progressing")[0] == "False" and cond(st, "Degraded")[0] == "False"
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))


def test_unannotated_inference_service_serving_the_alias_version_is_adopted_as_that_version():
    d = run(RolloutStatus(), reg("3"), isvc=isvc(None, uri=uri("3")))
    assert (d.status.phase, d.status.current_version) == ("Idle", "3")
    assert d.status.target_version is None


def test_unannotated_inference_service_with_another_model_is_rolled_to_the_alias():
    d = run(RolloutStatus(), reg("3"), isvc=isvc(None, uri="s3://somewhere/else"))
    st = d.status
    assert (st.phase, st.current_version, st.current_uri) == (
        "Progressing",
        None,
        "s3://somewhere/else",
    )
    assert st.target_version == "3"
    assert [e.reason for e in d.events] == ["Adopted", "RolloutStarted"]


def test_inference_service_without_a_model_gets_the_first_one_and_loses_it_on_rollback():
    d = run(RolloutStatus(), reg("1"), isvc=isvc(None, uri=None, ready=False))
    assert d.status.phase == "Progressing"
    assert desired_serving(SPEC, d.status) == Serving("1", uri("1"))
    d = run(d.status, reg("1"), readiness=BROKEN, isvc=isvc(None, uri=uri("1"), ready=False))
    assert d.status.phase == "RolledBack"
    assert desired_serving(SPEC, d.status) == Serving(None, None)  # back to "no model"


# -- at rest -----------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["Idle", "Succeeded", "RolledBack", "Failed"])
def test_at_rest_alias_on_the_serving_version_does_nothing(phase):
    st = at_rest("1", phase, reason="Whatever")
    d = run(st, reg("1"))
    assert d.status.phase == phase and not d.events and not d.results
    assert not changed(st, d.status) or d.status.conditions != st.conditions


def test_unset_alias_and_unreachable_registry_change_nothing_but_conditions():
    d = run(at_rest("1"), reg(None, ALIAS_NOT_SET, "no alias"))
    assert d.status.phase == "Idle" and d.status.desired_version is None and not d.events
    assert cond(d.status, "RegistryReachable") == ("True", "Reachable")
    d = run(at_rest("1"), reg(None, REGISTRY_UNAVAILABLE, "connection refused"))
    assert d.status.phase == "Idle" and not d.events
    assert cond(d.status, "RegistryReachable") == ("False", REGISTRY_UNAVAILABLE)
    d = run(at_rest("1"), reg("2", ARTIFACT_CHECK_FAILED, "S3 timeout"))
    assert d.status.phase == "Idle" and d.status.failed_version is None  # retried later


@pytest.mark.parametrize("phase", ["Idle", "Succeeded", "RolledBack"])
def test_alias_move_starts_a_rollout(phase):
    d = run(at_rest("1", phase), reg("2"))
    st = d.status
    assert (st.phase, st.reason, st.target_version, st.target_uri) == (
        "Progressing",
        "RolloutStarted",
        "2",
        uri("2"),
    )
    assert st.rollout_started_at == ts(NOW) and st.phase_since == ts(NOW)
    assert st.current_version == "1"  # still the known-good one
    assert [e.reason for e in d.events] == ["RolloutStarted"]
    assert desired_serving(SPEC, st) == Serving("2", uri("2"))
    assert cond(st, "Progressing") == ("True", "Progressing")


@pytest.mark.parametrize("problem", [VERSION_NOT_FOUND, ARTIFACTS_MISSING])
def test_unusable_version_fails_clearly_and_leaves_the_running_model(problem):
    d = run(at_rest("1"), reg("2", problem, "v2: no MLmodel under s3://x"))
    st = d.status
    assert (st.phase, st.reason, st.failed_version) == ("Failed", problem, "2")
    assert st.message == "v2: no MLmodel under s3://x"
    assert cond(st, "Degraded") == ("True", problem)
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))  # untouched
    assert [(e.type, e.reason) for e in d.events] == [("Warning", problem)]
    assert d.results == ["Failed"]
    assert st.history[0]["result"] == "Failed" and st.history[0]["version"] == "2"
    assert d.tags == [("2", {"rollout.result": "failed", "rollout.reason": st.message})]


def test_pinned_missing_version_fails():
    spec = replace(SPEC, version="9")
    d = run(at_rest("1"), reg("9", VERSION_NOT_FOUND, "no version 9"), spec=spec)
    assert (d.status.phase, d.status.reason) == ("Failed", VERSION_NOT_FOUND)
    assert alias_to_restore(spec, d.status, reg("9")) is None  # a pin is not an alias


def test_failed_version_is_not_retried_until_the_alias_moves():
    st = at_rest("1", "RolledBack", failed_version="2", reason="ReadinessTimeout")
    d = run(st, reg("2"))
    assert d.status.phase == "RolledBack" and not d.events
    d = run(st, reg("3"))
    assert (d.status.phase, d.status.target_version, d.status.failed_version) == (
        "Progressing",
        "3",
        None,
    )


def test_alias_back_on_the_serving_version_clears_the_failure_so_the_version_can_be_retried():
    st = at_rest("1", "RolledBack", failed_version="2")
    d = run(st, reg("1"))  # the operator (or someone) pointed the alias back
    assert d.status.failed_version is None and d.status.phase == "RolledBack"
    d = run(d.status, reg("2"))  # pointing it at v2 again is a deliberate retry
    assert d.status.phase == "Progressing" and d.status.target_version == "2"


def test_alias_is_reverted_after_a_rollback_only_while_it_points_at_the_failed_version():
    st = at_rest("1", "RolledBack", failed_version="2")
    assert alias_to_restore(SPEC, st, reg("2")) == "1"
    assert alias_to_restore(SPEC, st, reg("3")) is None
    assert alias_to_restore(replace(SPEC, strategy=replace(STRATEGY, revert_alias=False)), st,
                            reg("2")) is None  # fmt: skip
    assert alias_to_restore(SPEC, at_rest("1", "Succeeded"), reg("2")) is None
    unknown = at_rest(None, "RolledBack", failed_version="2")
    assert alias_to_restore(SPEC, unknown, reg("2")) is None  # nothing known-good to point at


# -- Progressing -------------------------------------------------------------------------------


def test_progressing_waits_within_the_readiness_timeout():
    d = run(progressing(), reg("2"), readiness=PENDING, now=later(30))
    assert d.status.phase == "Progressing" and not d.events
    assert "1 of 2 replicas updated" in d.status.message


def test_progressing_rolls_back_after_the_readiness_timeout():
    d = run(progressing(), reg("2"), readiness=PENDING, now=later(61))
    st = d.status
    assert (st.phase, st.reason, st.failed_version, st.current_version) == (
        "RolledBack",
        "ReadinessTimeout",
        "2",
        "1",
    )
    assert "not ready after 60 s: 1 of 2 replicas updated" in st.message
    assert st.target_version is None and st.rollout_started_at is None
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))
    assert [(e.type, e.reason) for e in d.events] == [("Warning", "RolledBack")]
    assert "ReadinessTimeout" in d.events[0].message
    assert d.results == ["RolledBack"]
    assert st.history[0] == {
        "version": "2",
        "previousVersion": "1",
        "result": "RolledBack",
        "reason": "ReadinessTimeout",
        "message": "not ready after 60 s: 1 of 2 replicas updated",
        "startedAt": ts(NOW),
        "finishedAt": ts(later(61)),
    }
    assert d.tags[0][1]["rollout.result"] == "rolled_back"
    assert cond(st, "Degraded") == ("True", "ReadinessTimeout")
    assert alias_to_restore(SPEC, st, reg("2")) == "1"


def test_progressing_rolls_back_at_once_when_kserve_reports_a_failed_load():
    d = run(progressing(), reg("2"), readiness=BROKEN, now=later(1))
    assert (d.status.phase, d.status.reason) == ("RolledBack", "NotReady")
    assert "BlockedByFailedLoad" in d.status.message


def test_progressing_to_baking_when_ready():
    d = run(progressing(), reg("2"), readiness=READY, now=later(10))
    st = d.status
    assert (st.phase, st.reason, st.bake_started_at, st.health) == (
        "Baking",
        "Ready",
        ts(later(10)),
        {},
    )
    assert [e.reason for e in d.events] == ["Ready"]
    assert desired_serving(SPEC, st) == Serving("2", uri("2"))


def test_progressing_keeps_going_while_the_registry_is_unreachable():
    d = run(progressing(), reg(None, REGISTRY_UNAVAILABLE), readiness=READY)
    assert d.status.phase == "Baking"


def test_refused_patch_fails_the_version():
    d = run(progressing(), reg("2"), patch_error="admission webhook denied: bad storageUri")
    st = d.status
    assert (st.phase, st.reason, st.failed_version) == ("Failed", "PatchRejected", "2")
    assert "admission webhook denied" in st.message
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))


# -- alias moves during a rollout --------------------------------------------------------------


@pytest.mark.parametrize("status", [progressing(), baking()], ids=["Progressing", "Baking"])
def test_alias_moved_again_supersedes_and_rolls_the_latest(status):
    d = run(status, reg("3"), readiness=READY, health=health())
    st = d.status
    assert (st.phase, st.target_version, st.current_version) == ("Progressing", "3", "1")
    assert [(h["version"], h["result"]) for h in st.history] == [("2", "Superseded")]
    assert [e.reason for e in d.events] == ["Superseded", "RolloutStarted"]
    assert d.results == ["Superseded"]
    assert st.bake_started_at is None and st.health is None
    assert desired_serving(SPEC, st) == Serving("3", uri("3"))


def test_alias_moved_back_to_the_serving_version_abandons_the_rollout():
    d = run(progressing(), reg("1"), readiness=PENDING)
    st = d.status
    assert (st.phase, st.reason, st.target_version) == ("Idle", "Superseded", None)
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))


def test_alias_removed_during_a_rollout_abandons_it():
    d = run(progressing(), reg(None, ALIAS_NOT_SET), readiness=PENDING)
    assert (d.status.phase, d.status.target_version) == ("Idle", None)
    assert "alias removed" in d.status.message


def test_alias_moved_to_a_broken_version_during_a_rollout_abandons_and_fails():
    d = run(progressing(), reg("3", ARTIFACTS_MISSING, "no MLmodel"), readiness=PENDING)
    st = d.status
    assert (st.phase, st.reason, st.failed_version) == ("Failed", ARTIFACTS_MISSING, "3")
    assert [h["result"] for h in st.history] == ["Failed", "Superseded"]
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))


# -- Baking ------------------------------------------------------------------------------------


def test_baking_healthy_keeps_baking_and_keeps_observations():
    report = health(requests=12)
    d = run(baking(), reg("2"), readiness=READY, health=report, now=later(60))
    st = d.status
    assert st.phase == "Baking" and not d.events
    assert st.health == report.state
    assert "60/120 s" in st.message and "probe 12 req" in st.message


def test_baking_succeeds_after_the_bake_time():
    d = run(baking(), reg("2"), readiness=READY, health=health(), now=later(120))
    st = d.status
    assert (st.phase, st.reason) == ("Succeeded", "BakeSucceeded")
    assert (st.current_version, st.current_uri) == ("2", uri("2"))
    assert (st.previous_version, st.previous_uri) == ("1", uri("1"))
    assert st.target_version is None and st.health is None and st.failed_version is None
    assert [e.reason for e in d.events] == ["Succeeded"]
    assert d.results == ["Succeeded"]
    assert d.tags == [("2", {"rollout.result": "succeeded"})]
    assert desired_serving(SPEC, st) == Serving("2", uri("2"))
    assert cond(st, "Progressing") == ("False", "BakeSucceeded")
    assert cond(st, "Degraded") == ("False", "AsExpected")


def test_baking_rolls_back_on_error_rate():
    d = run(baking(), reg("2"), readiness=READY, health=health(requests=20, errors=2))
    st = d.status
    assert (st.phase, st.reason) == ("RolledBack", "ErrorRateExceeded")
    assert "error rate 10.0% > 5.0% over 20 requests (probe)" in st.message
    assert desired_serving(SPEC, st) == Serving("1", uri("1"))


def test_baking_rolls_back_on_latency():
    report = health(requests=50, errors=0, p95=0.8, source="prometheus")
    d = run(baking(), reg("2"), readiness=READY, health=report)
    assert (d.status.phase, d.status.reason) == ("RolledBack", "LatencyExceeded")
    assert "p95 latency 800 ms > 500 ms" in d.status.message
    d = run(baking(), reg("2"), readiness=READY, health=health(requests=20, slow=3))
    assert d.status.reason == "LatencyExceeded"  # 15 % of probes slower than the limit


def test_baking_does_not_judge_too_few_requests():
    d = run(baking(), reg("2"), readiness=READY, health=health(requests=5, errors=5))
    assert d.status.phase == "Baking"


def test_baking_rolls_back_when_the_model_stops_loading():
    d = run(baking(), reg("2"), readiness=BROKEN, health=health())
    assert (d.status.phase, d.status.reason) == ("RolledBack", "NotReady")


def test_baking_rolls_back_when_not_ready_at_the_end():
    d = run(baking(), reg("2"), readiness=PENDING, health=health(), now=later(30))
    assert d.status.phase == "Baking" and "not ready" in d.status.message
    d = run(baking(), reg("2"), readiness=PENDING, health=health(), now=later(121))
    assert (d.status.phase, d.status.reason) == ("RolledBack", "NotReady")


# -- the InferenceService disappears -----------------------------------------------------------


def test_missing_inference_service_fails_and_recovers_when_it_comes_back():
    d = run(at_rest("1"), reg("1"), isvc=None)
    st = d.status
    assert (st.phase, st.reason) == ("Failed", "InferenceServiceNotFound")
    assert st.failed_version is None  # not the version's fault
    assert cond(st, "Ready") == ("False", "InferenceServiceNotFound")
    again = run(st, reg("1"), isvc=None)
    assert not again.events  # one event, not one per tick
    back = run(st, reg("1"))
    assert (back.status.phase, back.status.current_version) == ("Idle", "1")


def test_missing_inference_service_during_a_rollout_ends_it():
    d = run(progressing(), reg("2"), isvc=None)
    assert (d.status.phase, d.status.target_version) == ("Failed", None)
    assert d.status.history[0]["result"] == "Failed"


# -- canary ------------------------------------------------------------------------------------

CANARY = replace(SPEC, strategy=replace(STRATEGY, canary_percent=20))


def test_canary_rollout_keeps_the_stable_model_and_adds_a_named_canary():
    d = run(at_rest("1"), reg("2"), spec=CANARY)
    st = d.status
    assert (st.phase, st.canary_name) == ("Progressing", "v2")
    assert desired_serving(CANARY, st) == Serving(
        "1", uri("1"), canary_name="v2", canary_version="2", canary_uri=uri("2"), canary_percent=20
    )
    assert "20% canary 'v2'" in st.message
    done = run(replace_status(st, phase="Baking", bake_started_at=ts(NOW)), reg("2"),
               spec=CANARY, readiness=READY, health=health(), now=later(121))  # fmt: skip
    assert done.status.phase == "Succeeded"
    assert desired_serving(CANARY, done.status) == Serving("2", uri("2"))  # promote
    back = run(st, reg("2"), spec=CANARY, readiness=BROKEN)
    assert desired_serving(CANARY, back.status) == Serving("1", uri("1"))  # canary removed


def test_canary_name_differs_from_the_stable_predictor_name():
    d = run(at_rest("1"), reg("2"), spec=CANARY, isvc=isvc("1", predictor_name="v2"))
    assert d.status.canary_name == "v2-r"


def test_canary_needs_standard_mode():
    d = run(at_rest("1"), reg("2"), spec=CANARY, isvc=isvc("1", deployment_mode="Serverless"))
    assert (d.status.phase, d.status.reason) == ("Failed", "CanaryUnsupported")


def replace_status(status: RolloutStatus, **kw) -> RolloutStatus:
    out = status.copy()
    for key, value in kw.items():
        setattr(out, key, value)
    return out


# -- bookkeeping -------------------------------------------------------------------------------


def test_suspend_freezes_everything():
    spec = replace(SPEC, suspend=True)
    d = run(progressing(), reg("3"), spec=spec, readiness=PENDING, now=later(3600))
    assert d.status.phase == "Progressing" and d.status.target_version == "2" and not d.events
    assert "suspended" in d.status.message


def test_history_is_bounded_newest_first():
    spec = replace(SPEC, history_limit=3)
    st = at_rest("1")
    for version in range(2, 7):
        st = run(st, reg(str(version)), spec=spec).status
        st = run(st, reg(str(version)), spec=spec, readiness=BROKEN).status
        st.failed_version = None
    assert [h["version"] for h in st.history] == ["6", "5", "4"]


def test_condition_transition_time_moves_only_when_the_status_flips():
    first = run(at_rest("1"), reg("1")).status
    since = first.condition("Ready")["lastTransitionTime"]
    second = run(first, reg("1"), now=later(30)).status
    assert second.condition("Ready")["lastTransitionTime"] == since
    third = run(second, reg("1"), now=later(60), isvc=isvc("1", ready=False)).status
    assert third.condition("Ready")["lastTransitionTime"] == ts(later(60))


def test_decisions_depend_only_on_status_and_observation():
    """What makes a restarted operator resume correctly: same inputs, same decision."""
    for status, readiness in [(progressing(), PENDING), (baking(), READY)]:
        a = run(status, reg("2"), readiness=readiness, health=health(), now=later(200))
        b = run(status.copy(), reg("2"), readiness=readiness, health=health(), now=later(200))
        assert a.status.to_dict() == b.status.to_dict() and a.events == b.events


def test_status_round_trips_through_its_dict_form():
    st = run(baking(), reg("2"), readiness=READY, health=health(), now=later(30)).status
    again = RolloutStatus.from_dict(st.to_dict())
    assert again.to_dict() == st.to_dict()
    assert not changed(st, again)


def test_changing_the_model_or_inference_service_in_the_spec_re_adopts():
    st = run(at_rest("1"), reg("1")).status
    assert (st.model, st.inference_service) == ("callcenter-svm", "callcenter-svm")
    other = replace(SPEC, inference_service="callcenter-svm-b")
    assert desired_serving(other, st) is None  # never patch the new one with the old versions
    d = run(st, reg("1"), spec=other, isvc=isvc("5", uri="s3://b/5"))
    assert [e.reason for e in d.events] == ["Adopted", "RolloutStarted"]
    assert (d.status.current_version, d.status.target_version) == ("5", "1")
    assert d.status.inference_service == "callcenter-svm-b"


def test_a_fixed_spec_recovers_from_invalid_spec():
    st = at_rest("1", "Failed", reason="InvalidSpec", message="spec.model is required")
    d = run(st, reg("1"))
    assert (d.status.phase, d.status.reason, d.status.current_version) == ("Idle", "Adopted", "1")
