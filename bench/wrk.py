"""Drive an HTTP endpoint with wrk (Debian package): keep-alive clients, real ticket bodies.

wrk is written in C, so the load generator costs the server little CPU; each request body is
taken in turn from a list of real tickets, and a Lua `done` hook reports exact percentiles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

LUA = """
local bodies = {%s}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "errors": %%d, '
    .. '"p50_ms": %%f, "p95_ms": %%f, "p99_ms": %%f}\\n', summary.requests,
    summary.duration / 1e6, errors, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk not found: sudo apt-get install wrk (Debian/Ubuntu)")
    return path


def run(
    url: str,
    path: str,
    bodies: list[dict],
    connections: int,
    seconds: float,
    think_ms: int = 0,
) -> dict:
    """One wrk run; returns req/s and latency percentiles in ms.

    think_ms: each connection waits this long after an answer before its next request (wrk's
    `delay` hook), so the server idles between requests as it does under real, sparse traffic.
    """
    quoted = ",".join(f"[==[{json.dumps(b)}]==]" for b in bodies)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % (quoted, path))
        if think_ms:
            script.write(f"delay = function() return {int(think_ms)} end\n")
    out = subprocess.run(
        [
            require_wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    Path(script.name).unlink()
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result
