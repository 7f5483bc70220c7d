"""What an InferenceService serves, how to make it serve something else, and whether it does.

Plain functions over the InferenceService (and its predictor Deployment) as dicts.

KServe facts this relies on (v0.20+, RawDeployment / "Standard" mode):
- The predictor runs as the Deployment `{isvc}-predictor` (`{isvc}-{name}-predictor` when
  `spec.predictor.name` is set). The InferenceService's `PredictorReady`/`Ready` conditions follow
  that Deployment's `Available` condition, which stays True during a rolling update while old pods
  serve, so `Ready` alone does not mean the new model serves: the Deployment's rollout must be
  complete too (`kubectl rollout status` semantics).
- Canary traffic in RawDeployment mode is `spec.canary`: a list of named canaries, each with
  `trafficPercent` and a `predictor` (Deployment `{isvc}-{name}-predictor`), reported in
  `status.canaryStatuses`. Promotion retargets the stable predictor to the canary
  (`spec.predictor.name` = the canary's name, its model, canary list emptied: no restart); rollback
  empties the list. The weighted split itself needs KServe's Gateway API mode. The older
  `canaryTrafficPercent` field is ignored in RawDeployment mode, so it is never used here.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from rollout import MODEL_KEY, ROLLOUT_KEY, URI_KEY, VERSION_KEY

READY, PENDING, FAILED = "ready", "pending", "failed"
STORAGE_URI_ENV = "STORAGE_URI"  # custom-container predictors: read by the storage initializer


@dataclass(frozen=True)
class Readiness:
    state: str  # ready | pending | failed
    message: str


@dataclass(frozen=True)
class Serving:
    """What the InferenceService should serve: a stable model and maybe one canary."""

    version: str | None
    uri: str | None
    canary_name: str | None = None
    canary_version: str | None = None
    canary_uri: str | None = None
    canary_percent: int = 0


@dataclass(frozen=True)
class IsvcState:
    version: str | None  # from the version annotation (None: not set by this operator)
    uri: str | None  # stable predictor's storage URI
    ready: bool
    ready_message: str
    deployment_mode: str
    predictor_name: str | None


def predictor_service(isvc_name: str, predictor_name: str | None = None) -> str:
    """KServe's name for a predictor's Deployment and Service."""
    return f"{isvc_name}-{predictor_name}-predictor" if predictor_name else f"{isvc_name}-predictor"


def _predictor(isvc: dict[str, Any]) -> dict[str, Any]:
    return (isvc.get("spec") or {}).get("predictor") or {}


def _component(predictor: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The container-ish part that holds the model: `model`, or the first custom container."""
    if "model" in predictor or "containers" not in predictor:
        return "model", predictor.get("model") or {}
    containers = predictor.get("containers") or [{}]
    return "containers", containers[0]


def _env(component: dict[str, Any], name: str) -> str | None:
    for item in component.get("env") or []:
        if item.get("name") == name:
            return item.get("value")
    return None


def _with_env(component: dict[str, Any], values: dict[str, str | None]) -> list[dict[str, Any]]:
    env = [dict(e) for e in component.get("env") or [] if e.get("name") not in values]
    env += [{"name": k, "value": v} for k, v in values.items() if v is not None]
    return env


def component_uri(kind: str, component: dict[str, Any]) -> str | None:
    if kind == "model":
        return component.get("storageUri")
    return _env(component, STORAGE_URI_ENV)


def stable_uri(isvc: dict[str, Any]) -> str | None:
    predictor = _predictor(isvc)
    kind, component = _component(predictor)
    return component_uri(kind, component) or predictor.get("storageUri")


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any] | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return None


def state_of(isvc: dict[str, Any]) -> IsvcState:
    meta = isvc.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    ready = condition(isvc, "Ready") or {}
    status = isvc.get("status") or {}
    mode = (
        status.get("deploymentMode")
        or annotations.get("serving.kserve.io/deploymentMode")
        or "RawDeployment"
    )
    return IsvcState(
        version=annotations.get(VERSION_KEY),
        uri=stable_uri(isvc),
        ready=ready.get("status") == "True",
        ready_message=ready.get("message") or ready.get("reason") or "",
        deployment_mode=mode,
        predictor_name=_predictor(isvc).get("name"),
    )


def canary_name_for(version: str, stable_name: str | None) -> str:
    """A DNS-safe canary name for a version, distinct from the stable predictor's name."""
    name = "v" + re.sub(r"[^a-z0-9-]", "-", str(version).lower())
    return name if name != stable_name else f"{name}-r"


def _canaries(isvc: dict[str, Any]) -> list[dict[str, Any]]:
    return list((isvc.get("spec") or {}).get("canary") or [])


def _model_component(
    base: dict[str, Any], kind: str, uri: str | None, version: str | None, version_env: str
) -> dict[str, Any]:
    """`base` serving `uri` (None: no model; in a merge patch None removes storageUri)."""
    component = copy.deepcopy(base)
    env: dict[str, str | None] = {version_env: version}
    if kind == "model":
        component["storageUri"] = uri
    else:
        env[STORAGE_URI_ENV] = uri
    component["env"] = _with_env(component, env)
    return component


def _matches(isvc: dict[str, Any], want: Serving) -> bool:
    predictor = _predictor(isvc)
    kind, component = _component(predictor)
    annotations = (isvc.get("metadata") or {}).get("annotations") or {}
    # The storage URI and the version annotation decide. The pod label and the version env var
    # are written with every change of model, but a difference in them alone (an InferenceService
    # adopted as it was) does not restart the predictor pods.
    if component_uri(kind, component) != want.uri:
        return False
    if want.version is not None and annotations.get(VERSION_KEY) != want.version:
        return False
    canaries = _canaries(isvc)
    if want.canary_name is None:
        return not canaries
    if len(canaries) != 1:
        return False
    entry = canaries[0]
    cpred = entry.get("predictor") or {}
    ckind, ccomp = _component(cpred)
    return (
        cpred.get("name") == want.canary_name
        and entry.get("trafficPercent") == want.canary_percent
        and component_uri(ckind, ccomp) == want.canary_uri
    )


def plan_patch(
    isvc: dict[str, Any],
    want: Serving,
    *,
    model: str,
    rollout: str,
    version_env: str,
) -> dict[str, Any] | None:
    """A JSON merge patch that makes `isvc` serve `want`, or None when it already does.

    The predictor (pod template) is only touched when its model changes, so bookkeeping (the
    version annotation of an adopted InferenceService) never restarts pods. Lists (env,
    containers, canary) are replaced whole, as a merge patch does.
    """
    if _matches(isvc, want):
        return None
    predictor = _predictor(isvc)
    stable_kind, component = _component(predictor)
    labels: dict[str, Any] = dict(predictor.get("labels") or {})
    annotations: dict[str, Any] = {MODEL_KEY: model, ROLLOUT_KEY: rollout, URI_KEY: want.uri}
    # None removes a key in a merge patch: no version known, no version claimed.
    annotations[VERSION_KEY] = labels[VERSION_KEY] = want.version
    meta: dict[str, Any] = {"annotations": annotations, "labels": {VERSION_KEY: want.version}}
    new_predictor: dict[str, Any] = {}
    spec: dict[str, Any] = {}

    # Promotion of a canary that already serves the wanted model: retarget, no restart.
    promoted = None
    if want.canary_name is None and want.uri is not None:
        for entry in _canaries(isvc):
            cpred = entry.get("predictor") or {}
            if component_uri(*_component(cpred)) == want.uri:
                promoted = cpred
    if promoted is not None:
        kind, source = _component(promoted)
        new_predictor["name"] = promoted.get("name")
    else:
        kind, source = stable_kind, component
    if promoted is not None or component_uri(stable_kind, component) != want.uri:
        new_component = _model_component(source, kind, want.uri, want.version, version_env)
        new_predictor["labels"] = labels
        if kind == "model":
            new_predictor["model"] = new_component
        else:
            containers = [dict(c) for c in predictor.get("containers") or [{}]]
            containers[0] = new_component
            new_predictor["containers"] = containers

    if want.canary_name is not None and want.canary_uri is not None:
        canary_component = _model_component(
            component, stable_kind, want.canary_uri, want.canary_version, version_env
        )
        canary_predictor: dict[str, Any] = {"name": want.canary_name}
        if want.canary_version is not None:
            canary_predictor["labels"] = {**labels, VERSION_KEY: want.canary_version}
        if stable_kind == "model":
            # KServe's CanarySpec requires the model container's name (its default one).
            canary_component.setdefault("name", "kserve-container")
            canary_predictor["model"] = canary_component
        else:
            canary_predictor["containers"] = [canary_component]
        spec["canary"] = [{"trafficPercent": want.canary_percent, "predictor": canary_predictor}]
    elif _canaries(isvc):
        spec["canary"] = []
    if new_predictor:
        spec["predictor"] = new_predictor
    patch: dict[str, Any] = {"metadata": meta}
    if spec:
        patch["spec"] = spec
    return patch


def _deployment_rollout(deployment: dict[str, Any], version: str | None) -> Readiness:
    """`kubectl rollout status` for a Deployment, plus the version label on its pod template."""
    name = (deployment.get("metadata") or {}).get("name", "deployment")
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    progressing = condition(deployment, "Progressing") or {}
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return Readiness(FAILED, f"{name}: {progressing.get('message') or 'progress deadline'}")
    if version is not None and template_labels.get(VERSION_KEY) not in (None, version):
        return Readiness(PENDING, f"{name} still templates version {template_labels[VERSION_KEY]}")
    generation = (deployment.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    if generation is not None and observed is not None and observed < generation:
        return Readiness(PENDING, f"{name}: update not observed yet")
    replicas = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    available = status.get("availableReplicas", 0)
    total = status.get("replicas", 0)
    if updated < replicas:
        return Readiness(PENDING, f"{name}: {updated} of {replicas} replicas updated")
    if total > updated:
        return Readiness(PENDING, f"{name}: {total - updated} old replicas pending termination")
    if available < updated:
        return Readiness(PENDING, f"{name}: {available} of {updated} updated replicas available")
    return Readiness(READY, f"{name}: {available} replicas available")


def _model_status_failure(model_status: dict[str, Any] | None) -> str | None:
    if not model_status:
        return None
    transition = model_status.get("transitionStatus")
    failure = model_status.get("lastFailureInfo") or {}
    if transition in ("BlockedByFailedLoad", "InvalidSpec"):
        detail = failure.get("message") or failure.get("reason") or ""
        return f"{transition}{': ' + detail if detail else ''}"
    if (model_status.get("states") or {}).get("activeModelState") == "FailedToLoad":
        return f"FailedToLoad: {failure.get('message') or failure.get('reason') or ''}".rstrip(": ")
    return None


def assess(
    isvc: dict[str, Any],
    deployment: dict[str, Any] | None,
    want: Serving,
) -> Readiness:
    """Does `isvc` serve `want`'s new part (the canary, else the stable model) yet?

    `deployment` is that part's Deployment, or None when it cannot be read (Serverless mode, no
    permission, not created yet): then only what the InferenceService reports is used.
    """
    status = isvc.get("status") or {}
    meta = isvc.get("metadata") or {}
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if want.canary_name is not None:
        entry = next(
            (c for c in status.get("canaryStatuses") or [] if c.get("name") == want.canary_name),
            None,
        )
        if entry is None:
            return Readiness(
                PENDING,
                f"KServe reports no canary '{want.canary_name}' yet (spec.canary needs KServe "
                ">= 0.20 in Standard/RawDeployment mode)",
            )
        failure = _model_status_failure(entry.get("modelStatus"))
        if failure:
            return Readiness(FAILED, f"canary '{want.canary_name}': {failure}")
        if deployment is not None:
            rollout = _deployment_rollout(deployment, want.canary_version)
            if rollout.state != READY:
                return rollout
        if not entry.get("ready"):
            return Readiness(PENDING, f"canary '{want.canary_name}' not ready")
        return Readiness(READY, f"canary '{want.canary_name}' ready")

    if stable_uri(isvc) != want.uri:
        return Readiness(PENDING, "InferenceService does not carry the new storageUri yet")
    failure = _model_status_failure(status.get("modelStatus"))
    if failure:
        return Readiness(FAILED, failure)
    if deployment is not None:
        rollout = _deployment_rollout(deployment, want.version)
        if rollout.state != READY:
            return rollout
    elif generation is not None and observed is not None and observed < generation:
        return Readiness(PENDING, f"KServe has not reconciled generation {generation} yet")
    ready = condition(isvc, "Ready") or {}
    if ready.get("status") != "True":
        return Readiness(PENDING, f"InferenceService not Ready: {ready.get('message') or '?'}")
    components = (status.get("components") or {}).get("predictor") or {}
    created, latest = components.get("latestCreatedRevision"), components.get("latestReadyRevision")
    if deployment is None and latest and created and latest != created:  # Serverless revisions
        return Readiness(PENDING, f"revision {created} not ready yet (ready: {latest})")
    return Readiness(READY, "InferenceService Ready with the new model")
