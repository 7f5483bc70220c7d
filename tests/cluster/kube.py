"""kubectl helpers for the kind end-to-end tests and `make kind-models`: port-forwards, JSON reads.

Only used against a real cluster (CCAI_CLUSTER_E2E=1, `make kind-e2e`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Cluster:
    kubectl: str
    context: str
    namespace: str

    @classmethod
    def from_env(cls) -> Cluster:
        return cls(
            kubectl=os.environ.get("CCAI_KUBECTL", str(ROOT / ".tools" / "kubectl")),
            context=os.environ.get("CCAI_KUBE_CONTEXT", "kind-callcenterai"),
            namespace=os.environ.get("CCAI_K8S_NAMESPACE", "callcenterai"),
        )

    def run(self, *args: str, namespace: str | None = None) -> str:
        ns = namespace or self.namespace
        cmd = [self.kubectl, "--context", self.context, "--namespace", ns, *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout

    def get(self, *args: str, namespace: str | None = None) -> dict:
        return json.loads(self.run("get", *args, "-o", "json", namespace=namespace))

    def service_name(self, selector: str, namespace: str | None = None) -> str:
        items = self.get("services", "-l", selector, namespace=namespace)["items"]
        if len(items) != 1:
            names = [i["metadata"]["name"] for i in items]
            raise LookupError(f"expected one Service for {selector}, found {names}")
        return items[0]["metadata"]["name"]

    @contextmanager
    def port_forward(
        self, service: str, port: int, namespace: str | None = None, timeout: float = 60
    ) -> Iterator[str]:
        """Base URL of a local port forwarded to service:port (kubectl picks a free port)."""
        cmd = [
            self.kubectl,
            "--context",
            self.context,
            "--namespace",
            namespace or self.namespace,
            "port-forward",
            "--address",
            "127.0.0.1",
            f"service/{service}",
            f":{port}",
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:  # keep draining output so kubectl never blocks on a full pipe
            assert proc.stdout is not None
            for line in proc.stdout:
                match = re.search(r"Forwarding from 127\.0\.0\.1:(\d+)", line)
                if match and not found:
                    found.append(match[1])
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            deadline = time.monotonic() + timeout
            while not ready.wait(0.2):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"port-forward to {service}:{port} did not start")
            yield f"http://127.0.0.1:{found[0]}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
