"""The real kopf operator, in-process, against a real MLflow server and an EMULATED Kubernetes API.

The API server here is `kmock` (in memory): no admission webhooks, no schema validation, no
garbage collection and no real KServe; `FakeKServe` writes the InferenceService and Deployment
status KServe would write in RawDeployment mode. `tests/cluster/test_rollout.py` runs the same
scenario against a real cluster with real KServe (`make kind-e2e`).
"""

from __future__ import annotations

import asyncio

import pytest

from rollout import VERSION_KEY
from tests.rollout.conftest import operator_settings, running
from tests.rollout.harness import (
    RES_ISVC,
    RES_ROLLOUT,
    Registered,
    isvc_manifest,
    obj,
    rollout_manifest,
    wait_for,
)

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(120)]


def status_of(cluster, name="svm") -> dict:
    return (obj(cluster.kmock, RES_ROLLOUT, name) or {}).get("status") or {}


def isvc_uri(cluster, name="callcenter-svm") -> str | None:
    return (obj(cluster.kmock, RES_ISVC, name) or {})["spec"]["predictor"]["model"]["storageUri"]


def events(cluster, reason: str | None = None) -> list[dict]:
    found = []
    for key in list(cluster.kmock.objects):
        if key[0] == "v1/events" and not cluster.kmock.objects[key].deleted:
            event = cluster.kmock.objects[key].raw
            if reason is None or event.get("reason") == reason:
                found.append(event)
    return found


def reasons(cluster) -> list[str]:
    return [e["reason"] for e in events(cluster)]


async def setup_model(cluster, mlflow_server, **strategy):
    """v1 registered, production -> v1, the InferenceService serving v1, the ModelRollout."""
    model = Registered(mlflow_server)
    v1, source1 = model.add_version()
    model.point(v1)
    await cluster.api.create(RES_ISVC, isvc_manifest("callcenter-svm", source1, v1))
    await cluster.api.create(
        RES_ROLLOUT, rollout_manifest("svm", model.name, "callcenter-svm", **strategy)
    )
    return model, v1, source1


async def test_alias_move_rolls_out_bakes_and_succeeds(cluster, mlflow_server):
    model, v1, _ = await setup_model(cluster, mlflow_server)
    settings = operator_settings(cluster, mlflow_server)
    async with running(settings):
        await wait_for("adoption", lambda: status_of(cluster).get("currentVersion") == v1)
        assert status_of(cluster)["phase"] == "Idle"

        v2, source2 = model.add_version()
        model.point(v2)
        await wait_for("the InferenceService patch", lambda: isvc_uri(cluster) == source2)
        isvc = obj(cluster.kmock, RES_ISVC, "callcenter-svm")
        assert isvc["metadata"]["annotations"][VERSION_KEY] == v2
        assert isvc["spec"]["predictor"]["labels"][VERSION_KEY] == v2
        env = {e["name"]: e["value"] for e in isvc["spec"]["predictor"]["model"]["env"]}
        assert env["CCAI_PREDICTOR_MODEL_VERSION"] == v2
        assert env["CCAI_PREDICTOR_MODEL_NAME"] == "callcenter-svm"  # kept

        await wait_for("Succeeded", lambda: status_of(cluster).get("phase") == "Succeeded")
        status = status_of(cluster)
        assert status["currentVersion"] == v2
        assert status["previousVersion"] == v1
        assert status["history"][0]["result"] == "Succeeded"
        assert status["history"][0]["version"] == v2
        await wait_for(
            "an event per transition",
            lambda: reasons(cluster) == ["Adopted", "RolloutStarted", "Ready", "Succeeded"],
        )
        assert cluster.predictor.requests >= 2  # baked on probes answered by v2
        await wait_for(
            "the MLflow tag",
            lambda: (
                model.client.get_model_version(model.name, v2).tags.get("rollout.result")
                == "succeeded"
            ),
        )


def condition(status: dict, type_: str) -> dict:
    return next(c for c in status.get("conditions", []) if c["type"] == type_)


def isvc_patches(cluster) -> list:
    """The operator's spec/metadata patches of the InferenceService (not KServe's status ones)."""
    return [
        r
        for r in cluster.kmock
        if r.method == "PATCH" and r.resource == RES_ISVC and r.subresource is None
    ]


async def test_never_ready_version_is_rolled_back_with_reason_and_event(cluster, mlflow_server):
    model, v1, source1 = await setup_model(cluster, mlflow_server, readinessTimeoutSeconds=1.5)
    settings = operator_settings(cluster, mlflow_server)
    async with running(settings):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        v2, source2 = model.add_version()
        cluster.kserve.behaviour[source2] = "never"  # new pods never become available
        model.point(v2)
        await wait_for("the patch to v2", lambda: isvc_uri(cluster) == source2)
        # KServe keeps reporting Ready (old pods serve); the operator must not believe it.
        await wait_for("RolledBack", lambda: status_of(cluster).get("phase") == "RolledBack")
        status = status_of(cluster)
        assert status["reason"] == "ReadinessTimeout"
        assert "old replicas pending termination" in status["message"]
        assert status["currentVersion"] == v1
        rolled = status["history"][0]
        assert (rolled["version"], rolled["result"], rolled["reason"]) == (
            v2,
            "RolledBack",
            "ReadinessTimeout",
        )
        assert condition(status, "Degraded")["status"] == "True"
        assert condition(status, "Degraded")["reason"] == "ReadinessTimeout"
        assert condition(status, "Progressing")["status"] == "False"
        await wait_for("the InferenceService restored", lambda: isvc_uri(cluster) == source1)
        isvc = obj(cluster.kmock, RES_ISVC, "callcenter-svm")
        assert isvc["metadata"]["annotations"][VERSION_KEY] == v1
        await wait_for("a RolledBack event", lambda: events(cluster, "RolledBack"))
        event = events(cluster, "RolledBack")[0]
        assert event["type"] == "Warning"
        assert "ReadinessTimeout" in event["message"]
        assert event["involvedObject"]["kind"] == "ModelRollout"
        # The alias follows the cluster back, and the failed version carries the reason.
        await wait_for("the alias reverted", lambda: model.alias() == v1)
        await wait_for("AliasReverted event", lambda: events(cluster, "AliasReverted"))
        tags = model.client.get_model_version(model.name, v2).tags
        assert tags["rollout.result"] == "rolled_back"
        assert "ReadinessTimeout" in tags["rollout.reason"]

        # The operator's own endpoints.
        async with cluster.api.session.get(f"http://127.0.0.1:{settings.port}/metrics") as resp:
            text = await resp.text()
        assert (
            f'callcenter_rollout_rollouts_total{{model="{model.name}",namespace="ccai",'
            'result="RolledBack",rollout="svm"} 1.0' in text
        )
        assert f'version="{v1}"' in text and "callcenter_rollout_time_in_phase_seconds" in text
        async with cluster.api.session.get(
            f"http://127.0.0.1:{settings.health_port}/healthz"
        ) as resp:
            assert resp.status == 200
            assert (await resp.json())["status"]["started"] is True

        # Stays rolled back: v2 is not retried while nothing moves the alias to it again.
        patches = len(isvc_patches(cluster))
        await asyncio.sleep(1.0)
        assert len(isvc_patches(cluster)) == patches
        assert status_of(cluster)["phase"] == "RolledBack"


async def test_restarted_mid_rollout_finishes_once(cluster, mlflow_server):
    model, v1, _ = await setup_model(cluster, mlflow_server, readinessTimeoutSeconds=30)
    v2, source2 = model.add_version()
    cluster.kserve.hold.add(source2)  # v2's pods stay unavailable until released
    first = operator_settings(cluster, mlflow_server, identity="operator-a")
    async with running(first):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        model.point(v2)
        await wait_for("Progressing", lambda: status_of(cluster).get("phase") == "Progressing")
        await wait_for("the patch to v2", lambda: isvc_uri(cluster) == source2)
    started = status_of(cluster)["rolloutStartedAt"]

    cluster.kserve.hold.discard(source2)  # becomes ready while no operator runs
    second = operator_settings(cluster, mlflow_server, identity="operator-b")
    async with running(second):
        await wait_for("Succeeded", lambda: status_of(cluster).get("phase") == "Succeeded")
        await wait_for("Succeeded event", lambda: events(cluster, "Succeeded"))
    status = status_of(cluster)
    assert status["currentVersion"] == v2 and status["previousVersion"] == v1
    assert [h["result"] for h in status["history"]] == ["Succeeded"]
    assert status["history"][0]["startedAt"] == started  # the same rollout, resumed
    assert len(events(cluster, "RolloutStarted")) == 1
    lease = obj(cluster.kmock, "coordination.k8s.io/v1/leases", "callcenterai-rollout")
    assert lease["spec"]["leaseTransitions"] >= 1  # operator-b took over the Lease


async def test_killed_between_decision_and_patch_resumes_from_status(cluster, mlflow_server):
    """The status says Progressing to v2 but the InferenceService was never patched (the operator
    died in between): a new operator makes the InferenceService follow the status."""
    model, v1, source1 = await setup_model(cluster, mlflow_server)
    v2, source2 = model.add_version()
    model.point(v2)
    now = "2026-01-01T00:00:00.000Z"
    await cluster.api.patch(
        RES_ROLLOUT,
        "svm",
        {
            "status": {
                "phase": "Progressing",
                "reason": "RolloutStarted",
                "currentVersion": v1,
                "currentUri": source1,
                "targetVersion": v2,
                "targetUri": source2,
                "desiredVersion": v2,
                "phaseSince": now.replace("2026-01-01", "2999-01-01"),  # not timed out
                "rolloutStartedAt": now,
                "revision": 3,
            }
        },
        "/status",
    )
    assert isvc_uri(cluster) == source1
    async with running(operator_settings(cluster, mlflow_server)):
        await wait_for("the patch to v2", lambda: isvc_uri(cluster) == source2)
        await wait_for("Succeeded", lambda: status_of(cluster).get("phase") == "Succeeded")
    assert status_of(cluster)["history"][0]["startedAt"] == now
    assert not events(cluster, "RolloutStarted")  # resumed, not restarted


async def test_two_quick_alias_moves_end_on_the_latest(cluster, mlflow_server):
    model, v1, _ = await setup_model(cluster, mlflow_server, readinessTimeoutSeconds=30)
    v2, source2 = model.add_version()
    v3, source3 = model.add_version()
    cluster.kserve.hold.add(source2)
    async with running(operator_settings(cluster, mlflow_server)):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        model.point(v2)
        await wait_for("v2 in progress", lambda: status_of(cluster).get("targetVersion") == v2)
        model.point(v3)
        await wait_for("v3 Succeeded", lambda: status_of(cluster).get("currentVersion") == v3)
        assert isvc_uri(cluster) == source3
    status = status_of(cluster)
    assert status["phase"] == "Succeeded"
    assert [(h["version"], h["result"]) for h in status["history"]] == [
        (v3, "Succeeded"),
        (v2, "Superseded"),
    ]
    assert status["previousVersion"] == v1


async def test_missing_artifacts_fail_clearly_and_leave_the_model_running(cluster, mlflow_server):
    model, v1, source1 = await setup_model(cluster, mlflow_server)
    async with running(operator_settings(cluster, mlflow_server)):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        v2, _ = model.add_version(with_artifacts=False)
        model.point(v2)
        await wait_for("Failed", lambda: status_of(cluster).get("phase") == "Failed")
        status = status_of(cluster)
        assert status["reason"] == "ArtifactsMissing"
        assert "no MLmodel" in status["message"]
        degraded = condition(status, "Degraded")
        assert degraded["status"] == "True" and degraded["reason"] == "ArtifactsMissing"
        assert status["currentVersion"] == v1
        assert status["history"][0]["version"] == v2
        assert status["history"][0]["result"] == "Failed"
        assert isvc_uri(cluster) == source1
        assert isvc_patches(cluster) == []  # the InferenceService was never touched
        await wait_for("a Warning event", lambda: events(cluster, "ArtifactsMissing"))
        await wait_for("the alias reverted", lambda: model.alias() == v1)


async def test_unhealthy_bake_rolls_back_on_error_rate(cluster, mlflow_server):
    model, _, source1 = await setup_model(cluster, mlflow_server, bakeSeconds=30)
    async with running(operator_settings(cluster, mlflow_server)):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        v2, _ = model.add_version()
        cluster.predictor.error = True  # the new version answers 500
        model.point(v2)
        await wait_for("Baking", lambda: status_of(cluster).get("phase") == "Baking")
        await wait_for("RolledBack", lambda: status_of(cluster).get("phase") == "RolledBack")
        status = status_of(cluster)
        assert status["reason"] == "ErrorRateExceeded"
        assert "HTTP 500" in status["message"]
        await wait_for("the InferenceService restored", lambda: isvc_uri(cluster) == source1)


async def test_canary_uses_kserve_spec_canary_then_promotes(cluster, mlflow_server):
    model, _, source1 = await setup_model(cluster, mlflow_server, canaryTrafficPercent=20)
    async with running(operator_settings(cluster, mlflow_server)):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        v2, source2 = model.add_version()
        model.point(v2)

        def canary():
            return (obj(cluster.kmock, RES_ISVC, "callcenter-svm") or {})["spec"].get("canary")

        await wait_for("a canary entry", canary)
        entry = canary()[0]
        assert entry["trafficPercent"] == 20
        assert entry["predictor"]["name"] == f"v{v2}"
        assert entry["predictor"]["model"]["storageUri"] == source2
        assert isvc_uri(cluster) == source1  # the stable predictor keeps serving v1
        await wait_for("Succeeded", lambda: status_of(cluster).get("phase") == "Succeeded")
        # Promotion retargets the stable predictor to the canary (no restart) and drops it.
        await wait_for("promotion", lambda: isvc_uri(cluster) == source2 and canary() == [])
        isvc = obj(cluster.kmock, RES_ISVC, "callcenter-svm")
        assert isvc["spec"]["predictor"]["name"] == f"v{v2}"
        await wait_for(
            "the promoted Deployment serving v2",
            lambda: cluster.kserve.serving.get(f"callcenter-svm-v{v2}-predictor") == v2,
        )
        assert cluster.predictor.requests >= 2  # the canary was probed while baking


async def test_mlflow_webhook_triggers_the_rollout_without_waiting_for_a_poll(
    cluster, mlflow_server
):
    model, _, _ = await setup_model(cluster, mlflow_server)
    settings = operator_settings(cluster, mlflow_server, registry_poll_s=600)
    settings.webhook_url = f"http://127.0.0.1:{settings.port}/webhooks/mlflow"
    settings.webhook_secret = "s3cret"
    try:
        async with running(settings):
            await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
            hooks = [w for w in model.client.list_webhooks() if w.name == "callcenterai-rollout"]
            assert hooks and hooks[0].url == settings.webhook_url
            # An unsigned event is refused.
            async with cluster.api.session.post(
                settings.webhook_url, json={"entity": "model_version_alias", "data": {}}
            ) as resp:
                assert resp.status == 401
            v2, _ = model.add_version()
            await asyncio.sleep(1.2)  # MLflow caches its webhook list (MLFLOW_WEBHOOK_CACHE_TTL)
            model.point(v2)  # MLflow delivers model_version_alias.created, signed
            await wait_for(
                "the rollout started by the webhook",
                lambda: (
                    status_of(cluster).get("targetVersion") == v2
                    or status_of(cluster).get("currentVersion") == v2
                ),
                timeout=15,
            )
    finally:
        for hook in model.client.list_webhooks():
            if hook.name == "callcenterai-rollout":
                model.client.delete_webhook(hook.webhook_id)


async def test_real_traffic_failing_rolls_back_even_when_probes_pass(cluster, mlflow_server):
    """The operator's own probes succeed; the predictor's /metrics shows a third of real users'
    requests failing (callcenter_predictor_errors_total). Kubernetes API emulated by kmock."""
    model, _, source1 = await setup_model(cluster, mlflow_server, bakeSeconds=30)
    async with running(operator_settings(cluster, mlflow_server)):
        await wait_for("adoption", lambda: status_of(cluster).get("phase") == "Idle")
        v2, _ = model.add_version()
        cluster.predictor.traffic, cluster.predictor.traffic_error_share = 20, 0.35
        try:
            model.point(v2)
            await wait_for("RolledBack", lambda: status_of(cluster).get("phase") == "RolledBack")
        finally:
            cluster.predictor.traffic = 0
        status = status_of(cluster)
        assert status["reason"] == "ErrorRateExceeded"
        assert "(scrape)" in status["message"]
        assert cluster.predictor.error is False  # every probe answered 200
        await wait_for("the InferenceService restored", lambda: isvc_uri(cluster) == source1)
