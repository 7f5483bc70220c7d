"""Leader election with a coordination.k8s.io Lease: one replica acts, the others wait.

The holder renews every third of the lease duration; a replica that cannot renew stops acting
when its lease would have expired. Patches carry the resourceVersion they read, so two replicas
racing for an expired Lease cannot both win (the API server answers 409 to the slower one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from datetime import UTC, datetime

import aiohttp

from rollout.kube import ApiError, Kube

log = logging.getLogger("rollout.leader")


def _micro(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class Leader:
    def __init__(self, kube: Kube, namespace: str, name: str, identity: str, duration_s: float):
        self.kube, self.namespace, self.name, self.identity = kube, namespace, name, identity
        self.duration = max(1, math.ceil(duration_s))
        self.valid_until = 0.0  # monotonic time until which this replica may act

    @property
    def is_leader(self) -> bool:
        return time.monotonic() < self.valid_until

    async def try_acquire(self) -> bool:
        started = time.monotonic()
        now = time.time()
        path = self.kube.lease_path(self.namespace, self.name)
        lease = await self.kube.get(path)
        spec_now = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": self.duration,
            "renewTime": _micro(now),
        }
        try:
            if lease is None:
                await self.kube.create(
                    self.kube.lease_path(self.namespace),
                    {
                        "apiVersion": "coordination.k8s.io/v1",
                        "kind": "Lease",
                        "metadata": {"name": self.name, "namespace": self.namespace},
                        "spec": {**spec_now, "acquireTime": _micro(now), "leaseTransitions": 0},
                    },
                )
            else:
                spec = lease.get("spec") or {}
                holder = spec.get("holderIdentity")
                renewed = _parse(spec.get("renewTime")) or 0.0
                expires = renewed + float(spec.get("leaseDurationSeconds") or self.duration)
                if holder and holder != self.identity and expires > now:
                    self.valid_until = 0.0
                    return False
                patch = {"spec": dict(spec_now)}
                if holder != self.identity:
                    patch["spec"]["acquireTime"] = _micro(now)
                    patch["spec"]["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
                version = (lease.get("metadata") or {}).get("resourceVersion")
                if version:
                    patch["metadata"] = {"resourceVersion": version}
                await self.kube.patch(path, patch)
        except ApiError as exc:
            if exc.status == 409:  # another replica won the race
                self.valid_until = 0.0
                return False
            raise
        if not self.is_leader:
            log.info("acquired Lease %s/%s as %s", self.namespace, self.name, self.identity)
        self.valid_until = started + self.duration * 0.9
        return True

    async def run(self, stopped: asyncio.Event) -> None:
        while not stopped.is_set():
            try:
                await self.try_acquire()
            except (ApiError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("Lease %s/%s: %s", self.namespace, self.name, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopped.wait(), timeout=self.duration / 3)

    async def release(self) -> None:
        if not self.is_leader:
            return
        self.valid_until = 0.0
        try:
            await self.kube.patch(
                self.kube.lease_path(self.namespace, self.name),
                {"spec": {"holderIdentity": None, "renewTime": None}},
            )
        except (ApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Lease %s/%s not released: %s", self.namespace, self.name, exc)
