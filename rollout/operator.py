"""The kopf operator: one timer per ModelRollout runs `reconcile()` every `tick_s`.

Each tick, in this order:
1. make the InferenceService serve what the persisted status says (idempotent; this is what
   finishes an action a killed operator had decided but not done);
2. observe: the registry (cached, webhook-invalidated), the InferenceService, the predictor
   Deployment, health samples while baking;
3. `decide()`; persist the new status (before anything else);
4. post events, count metrics, tag the version in MLflow, apply step 1 again for the new status,
   and point the alias back at the serving version after a rollback (`revertAlias`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import kopf
from aiohttp import web

from rollout import GROUP, PLURAL, VERSION, kserve
from rollout.decide import (
    INVALID_SPEC,
    ISVC_NOT_FOUND,
    Observation,
    alias_to_restore,
    changed,
    decide,
    desired_serving,
)
from rollout.kube import ApiError, Kube, login
from rollout.leader import Leader
from rollout.metrics import OperatorMetrics
from rollout.model import (
    BAKING,
    FAILED,
    IN_PROGRESS,
    RolloutSpec,
    RolloutStatus,
    SpecError,
    ts,
)
from rollout.registry import Registry, ensure_webhook
from rollout.server import build_app
from rollout.settings import RolloutSettings
from rollout.sources import Sampler

log = logging.getLogger("rollout")
COMPONENT = "callcenterai-rollout"
FINALIZER = "callcenterai.io/rollout-operator"


@dataclass
class Context:
    settings: RolloutSettings
    session: aiohttp.ClientSession
    kube: Kube
    registry: Registry
    sampler: Sampler
    metrics: OperatorMetrics
    identity: str
    leader: Leader | None = None
    written: dict[str, RolloutStatus] = field(default_factory=dict)  # by uid: last write
    tasks: list[asyncio.Task] = field(default_factory=list)
    runner: web.AppRunner | None = None
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    last_tick: str | None = None

    @property
    def acting(self) -> bool:
        return self.leader is None or self.leader.is_leader

    def freshest(self, uid: str, live: Any) -> RolloutStatus:
        """The live status, unless this process wrote a newer one the watch has not shown yet."""
        status = RolloutStatus.from_dict(live)
        mine = self.written.get(uid)
        if mine is not None and mine.revision > status.revision:
            return mine.copy()
        return status


def configure(kopf_settings: kopf.OperatorSettings, settings: RolloutSettings) -> None:
    """kopf settings for a namespaced, least-privilege operator."""
    kopf_settings.scanning.disabled = True  # no cluster-wide CRD/namespace listing
    kopf_settings.posting.enabled = False  # the operator posts its own, named events
    kopf_settings.peering.standalone = True  # the Lease elects the acting replica
    kopf_settings.persistence.finalizer = FINALIZER
    kopf_settings.watching.server_timeout = 300
    kopf_settings.networking.request_timeout = 60


async def _ensure_isvc(
    ctx: Context, spec: RolloutSpec, status: RolloutStatus, name: str, namespace: str, isvc: dict
) -> tuple[dict, str | None]:
    """Patch the InferenceService to serve what `status` says; (isvc after, refusal message)."""
    want = desired_serving(spec, status)
    if want is None:
        return isvc, None
    patch = kserve.plan_patch(
        isvc, want, model=spec.model, rollout=name, version_env=ctx.settings.version_env
    )
    if patch is None:
        return isvc, None
    path = ctx.kube.isvc_path(namespace, spec.inference_service)
    try:
        updated = await ctx.kube.patch(path, patch)
    except ApiError as exc:
        if 400 <= exc.status < 500 and exc.status not in (409, 429):
            log.warning("%s/%s: InferenceService patch refused: %s", namespace, name, exc)
            return isvc, exc.message or str(exc)
        raise
    what = f"v{want.version}" if want.version else want.uri
    if want.canary_name:
        what += f" + canary '{want.canary_name}' v{want.canary_version} {want.canary_percent}%"
    log.info(
        "%s/%s: InferenceService %s now serves %s", namespace, name, spec.inference_service, what
    )
    return updated, None


async def _event(ctx: Context, body: Any, type_: str, reason: str, message: str) -> None:
    meta = body.get("metadata") or {}
    level = logging.WARNING if type_ == "Warning" else logging.INFO
    log.log(level, "%s/%s: %s: %s", meta.get("namespace"), meta.get("name"), reason, message)
    await ctx.kube.post_event(body, type_, reason, message, COMPONENT, ctx.identity)


async def reconcile(ctx: Context, body: Any) -> RolloutStatus | None:
    """One tick for one ModelRollout (see the module docstring)."""
    if not ctx.acting:
        return None
    meta = body["metadata"]
    namespace, name, uid = meta["namespace"], meta["name"], meta.get("uid", "")
    now = datetime.now(UTC)
    status = ctx.freshest(uid, body.get("status"))
    try:
        spec = RolloutSpec.from_dict(body.get("spec") or {})
    except SpecError as exc:
        if status.reason != INVALID_SPEC:
            new = status.copy()
            new.phase, new.reason, new.message = FAILED, INVALID_SPEC, str(exc)
            new.phase_since, new.revision = ts(now), status.revision + 1
            await ctx.kube.patch_status(namespace, name, new.to_dict())
            ctx.written[uid] = new
            await _event(ctx, body, "Warning", INVALID_SPEC, str(exc))
        return None

    # 1. The InferenceService follows the persisted status.
    isvc = await ctx.kube.get(ctx.kube.isvc_path(namespace, spec.inference_service))
    patch_error = None
    if isvc is not None and not spec.suspend:
        isvc, patch_error = await _ensure_isvc(ctx, spec, status, name, namespace, isvc)

    # 2. Observe.
    view = await ctx.registry.resolve(spec)
    if view.transient:
        ctx.metrics.registry_errors.labels(spec.model).inc()
    state = kserve.state_of(isvc) if isvc is not None else None
    readiness = health = None
    want = desired_serving(spec, status)
    if isvc is not None and state is not None and status.phase in IN_PROGRESS and want:
        part = kserve.predictor_service(
            spec.inference_service, want.canary_name or state.predictor_name
        )
        deployment = await ctx.kube.get_deployment(namespace, part)
        readiness = kserve.assess(isvc, deployment, want)
        if status.phase == BAKING:
            health = await ctx.sampler.sample(spec, status, namespace, part, now)

    # 3. Decide and persist.
    obs = Observation(view, state, readiness, health, patch_error)
    decision = decide(spec, status, obs, now)
    new = decision.status
    new.observed_generation = meta.get("generation")
    if changed(status, new) or status.observed_generation != new.observed_generation:
        new.revision = status.revision + 1
        await ctx.kube.patch_status(namespace, name, new.to_dict())
        ctx.written[uid] = new

    # 4. Act and report.
    for e in decision.events:
        await _event(ctx, body, e.type, e.reason, e.message)
    for result in decision.results:
        ctx.metrics.rollouts.labels(namespace, name, spec.model, result).inc()
    ctx.metrics.observe(namespace, name, spec.model, status, new)
    for version, tags in decision.tags:
        try:
            await ctx.registry.set_tags(spec.model, version, tags)
        except Exception as exc:  # tags are informative: never block a rollout on them
            log.warning("%s/%s: tags on v%s not set: %s", namespace, name, version, exc)
    if isvc is not None and not spec.suspend and new.reason != ISVC_NOT_FOUND:
        await _ensure_isvc(ctx, spec, new, name, namespace, isvc)
    restore = alias_to_restore(spec, new, view)
    if restore is not None:
        try:
            await ctx.registry.set_alias(spec.model, spec.alias, restore)
            await _event(
                ctx,
                body,
                "Normal",
                "AliasReverted",
                f"{spec.model}@{spec.alias} points at v{restore} again "
                f"(v{new.failed_version}: {new.reason})",
            )
        except Exception as exc:
            log.warning("%s/%s: alias not reverted: %s", namespace, name, exc)
    ctx.last_tick = ts(now)
    return new


def build_registry(settings: RolloutSettings) -> kopf.OperatorRegistry:
    """The operator's handlers, in a registry of their own (tests run several operators)."""
    registry = kopf.OperatorRegistry()
    rollout_settings = settings  # `settings` below is kopf's, as kopf passes it by that name

    @kopf.on.login(registry=registry)
    def _login(settings: kopf.OperatorSettings, logger: Any, **_: Any) -> kopf.ConnectionInfo:
        return login(rollout_settings, settings, logger)

    @kopf.on.startup(registry=registry)
    async def _startup(settings: kopf.OperatorSettings, memo: kopf.Memo, logger: Any, **_: Any):
        configure(settings, rollout_settings)
        s = rollout_settings
        session = aiohttp.ClientSession()
        kube = Kube(lambda: login(s, settings, logger), session)
        identity = s.identity or f"{socket.gethostname()}-{os.getpid()}"
        ctx = Context(
            settings=s,
            session=session,
            kube=kube,
            registry=Registry(s, session),
            sampler=Sampler(s, session),
            metrics=OperatorMetrics(),
            identity=identity,
        )
        if s.leader_election:
            ctx.leader = Leader(kube, s.namespace, s.lease_name, identity, s.lease_duration_s)
            await _safe(ctx.leader.try_acquire())
            ctx.tasks.append(asyncio.create_task(ctx.leader.run(ctx.stopped)))
        app = build_app(ctx.metrics.registry, s.webhook_secret, ctx.registry.invalidate)
        ctx.runner = web.AppRunner(app, access_log=None)
        await ctx.runner.setup()
        await web.TCPSite(ctx.runner, s.host, s.port).start()
        if s.webhook_url:
            try:
                hook = await asyncio.wait_for(asyncio.to_thread(ensure_webhook, s), 30)
                log.info("MLflow webhook %s -> %s", hook, s.webhook_url)
            except Exception as exc:  # polling still works without it
                log.warning("MLflow webhook not registered (polling only): %s", exc)
        memo.ctx = ctx
        log.info(
            "watching %s in %s; registry %s every %g s",
            PLURAL,
            ",".join(s.namespaces),
            s.mlflow_tracking_uri,
            s.registry_poll_s,
        )

    @kopf.on.cleanup(registry=registry)
    async def _cleanup(memo: kopf.Memo, **_: Any) -> None:
        ctx: Context | None = getattr(memo, "ctx", None)
        if ctx is None:
            return
        ctx.stopped.set()
        for task in ctx.tasks:
            task.cancel()
        await asyncio.gather(*ctx.tasks, return_exceptions=True)
        if ctx.leader is not None:
            await ctx.leader.release()
        if ctx.runner is not None:
            await ctx.runner.cleanup()
        await ctx.session.close()

    @kopf.on.probe(id="status", registry=registry)
    def _probe(memo: kopf.Memo, **_: Any) -> dict[str, Any]:
        ctx: Context | None = getattr(memo, "ctx", None)
        if ctx is None:
            return {"started": False}
        if ctx.leader is not None:
            ctx.metrics.leader.set(1 if ctx.leader.is_leader else 0)
        return {"started": True, "acting": ctx.acting, "lastTick": ctx.last_tick}

    @kopf.timer(
        GROUP,
        VERSION,
        PLURAL,
        interval=settings.tick_s,
        backoff=settings.tick_s,
        registry=registry,
    )
    async def _tick(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
        ctx: Context = memo.ctx
        try:
            await reconcile(ctx, body)
        except Exception:  # retried on the next tick; the status is unchanged
            ctx.metrics.reconcile_errors.inc()
            log.exception(
                "%s/%s: reconcile failed", body["metadata"].get("namespace"), body.meta.name
            )
        if ctx.leader is not None:
            ctx.metrics.leader.set(1 if ctx.leader.is_leader else 0)

    @kopf.on.delete(GROUP, VERSION, PLURAL, registry=registry, optional=True)
    async def _deleted(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
        ctx: Context = memo.ctx
        ctx.metrics.forget(body.meta.namespace or "", body.meta.name or "")
        ctx.written.pop(body.meta.uid or "", None)

    return registry


async def _safe(coro: Any) -> None:
    try:
        await coro
    except Exception as exc:
        log.warning("%s", exc)


async def run(
    settings: RolloutSettings,
    *,
    stop_flag: asyncio.Event | None = None,
    ready_flag: asyncio.Event | None = None,
    liveness: bool = True,
) -> None:
    """Run the operator until `stop_flag` is set (or forever)."""
    kopf_settings = kopf.OperatorSettings()
    configure(kopf_settings, settings)
    endpoint = f"http://{settings.host}:{settings.health_port}/healthz" if liveness else None
    await kopf.operator(
        registry=build_registry(settings),
        settings=kopf_settings,
        namespaces=settings.namespaces,
        standalone=True,
        liveness_endpoint=endpoint,
        stop_flag=stop_flag,
        ready_flag=ready_flag,
        memo=kopf.Memo(),
    )
