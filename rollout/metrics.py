"""The operator's Prometheus metrics, in a registry of its own (one per operator instance)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

from rollout.model import PHASES, RolloutStatus, parse_ts

DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)


class _PhaseAge:
    """Seconds each ModelRollout has spent in its current phase, computed at scrape time."""

    def __init__(self) -> None:
        self.since: dict[tuple[str, str], tuple[str, datetime]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "callcenter_rollout_time_in_phase_seconds",
            "Seconds since the ModelRollout entered its current phase.",
            labels=["namespace", "rollout", "phase"],
        )
        now = datetime.now(UTC)
        for (namespace, name), (phase, since) in sorted(self.since.items()):
            family.add_metric([namespace, name, phase], (now - since).total_seconds())
        yield family


class OperatorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rollouts = Counter(
            "callcenter_rollout_rollouts_total",
            "Finished rollouts by result (Succeeded, RolledBack, Failed, Superseded).",
            ["namespace", "rollout", "model", "result"],
            registry=r,
        )
        self.version = Gauge(
            "callcenter_rollout_model_version_info",
            "1 for the version the InferenceService serves at rest (role=current) and for the "
            "one being rolled out (role=target).",
            ["namespace", "rollout", "model", "version", "role"],
            registry=r,
        )
        self.phase = Gauge(
            "callcenter_rollout_phase",
            "1 for the ModelRollout's current phase, 0 for the others.",
            ["namespace", "rollout", "model", "phase"],
            registry=r,
        )
        self.phase_duration = Histogram(
            "callcenter_rollout_phase_duration_seconds",
            "Time spent in a phase, observed when the phase is left.",
            ["phase"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.registry_errors = Counter(
            "callcenter_rollout_registry_errors_total",
            "Registry look-ups that failed (unreachable, artifacts not checkable).",
            ["model"],
            registry=r,
        )
        self.reconcile_errors = Counter(
            "callcenter_rollout_reconcile_errors_total",
            "Reconciliations that raised (retried on the next tick).",
            registry=r,
        )
        self.leader = Gauge(
            "callcenter_rollout_leader", "1 while this replica holds the Lease.", registry=r
        )
        self.ages = _PhaseAge()
        r.register(self.ages)
        self._versions: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        self._models: dict[tuple[str, str], str] = {}

    def observe(
        self, namespace: str, name: str, model: str, old: RolloutStatus, new: RolloutStatus
    ):
        self._models[(namespace, name)] = model
        for phase in PHASES:
            self.phase.labels(namespace, name, model, phase).set(1 if phase == new.phase else 0)
        since = parse_ts(new.phase_since) or datetime.now(UTC)
        self.ages.since[(namespace, name)] = (new.phase, since)
        if old.phase and old.phase != new.phase and old.phase_since:
            spent = (since - (parse_ts(old.phase_since) or since)).total_seconds()
            self.phase_duration.labels(old.phase).observe(max(0.0, spent))
        wanted = []
        if new.current_version is not None:
            wanted.append((namespace, name, model, new.current_version, "current"))
        if new.target_version is not None:
            wanted.append((namespace, name, model, new.target_version, "target"))
        for labels in self._versions.get((namespace, name), []):
            if labels not in wanted:
                self.version.remove(*labels)
        for labels in wanted:
            self.version.labels(*labels).set(1)
        self._versions[(namespace, name)] = wanted

    def forget(self, namespace: str, name: str) -> None:
        self.ages.since.pop((namespace, name), None)
        for labels in self._versions.pop((namespace, name), []):
            self.version.remove(*labels)
        model = self._models.pop((namespace, name), None)
        for phase in PHASES if model is not None else ():
            with contextlib.suppress(KeyError):
                self.phase.remove(namespace, name, model, phase)
