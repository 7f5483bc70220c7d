"""`python -m rollout` as a process: settings from the environment, /healthz, /metrics, SIGTERM.

The Kubernetes API here is EMULATED (kmock); MLflow is the real session server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import aiohttp
import pytest

from devtools.harness import ROOT, free_port
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


async def test_entry_point_serves_health_and_metrics_and_stops_cleanly(
    cluster, mlflow_server, tmp_path
):
    model = Registered(mlflow_server)
    v1, source = model.add_version()
    model.point(v1)
    await cluster.api.create(RES_ISVC, isvc_manifest("callcenter-svm", source, v1))
    await cluster.api.create(RES_ROLLOUT, rollout_manifest("svm", model.name, "callcenter-svm"))
    port, health = free_port(), free_port()
    env = {
        **os.environ,
        "CCAI_ROLLOUT_KUBE_SERVER": cluster.url,
        "CCAI_ROLLOUT_NAMESPACE": "ccai",
        "CCAI_ROLLOUT_MLFLOW_TRACKING_URI": mlflow_server,
        "CCAI_ROLLOUT_PORT": str(port),
        "CCAI_ROLLOUT_HEALTH_PORT": str(health),
        "CCAI_ROLLOUT_HOST": "127.0.0.1",
        "CCAI_ROLLOUT_TICK_S": "0.3",
        "CCAI_ROLLOUT_IDENTITY": "process-test",
    }
    log = (tmp_path / "operator.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rollout"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        await wait_for(
            "adoption by the process",
            lambda: (
                ((obj(cluster.kmock, RES_ROLLOUT, "svm") or {}).get("status") or {}).get("phase")
                == "Idle"
            ),
            60,
        )
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{health}/healthz") as resp:
                assert resp.status == 200
            async with session.get(f"http://127.0.0.1:{port}/metrics") as resp:
                text = await resp.text()
        assert (
            f'callcenter_rollout_phase{{model="{model.name}",namespace="ccai",phase="Idle",'
            'rollout="svm"} 1.0' in text
        )
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(asyncio.to_thread(proc.wait), 30)
        assert code == 0, (tmp_path / "operator.log").read_text()[-3000:]
        lease = obj(cluster.kmock, "coordination.k8s.io/v1/leases", "callcenterai-rollout")
        assert not lease["spec"].get("holderIdentity")  # released on the way out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
