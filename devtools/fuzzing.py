"""Fuzz a running server through its OpenAPI document with schemathesis: `fuzz` and its table.

Each operation gets `cases` requests that fit the schema and as many that do not (seeded, so a
run can be repeated). A request fails when the answer is a 5xx, a status or content type the
document does not list, a body that breaks the documented schema, or no answer within the
deadline (a hang). `python -m bench.fuzz` runs it with many cases and writes JSON; `make test`
with a few (tests/*/test_fuzz.py).
"""

from __future__ import annotations

import contextlib
from collections import Counter

import hypothesis
import hypothesis.errors
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# A predictor's routes that our model code answers (KServe's document also lists routes KServe
# itself declines, such as model versions: 501).
PREDICTOR_OPERATIONS = (
    "POST /v2/models/{model_name}/infer",
    "POST /v1/models/{model_name}:predict",
    "GET /v2/models/{model_name}",
    "GET /v2/models/{model_name}/ready",
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def fuzz(
    url: str,
    *,
    cases: int,
    seed: int = 0,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
    only: tuple[str, ...] = (),
    path_parameters: dict[str, str] | None = None,
    drop_query: tuple[str, ...] = (),
    checks: list | None = None,
) -> dict:
    """Per operation: cases sent, status histogram, failures (check, status, reason), hangs.

    `only`: the operations ("METHOD /path") to fuzz, default all; `path_parameters` pins some
    (a model's name) so cases reach the code behind them; `drop_query` removes query parameters
    (KServe declines any `model_version` with 501 by design); `checks` replaces CHECKS.
    """
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    session = requests.Session()
    operations = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        if only and name not in only:
            continue
        stats = {"sent": 0, "statuses": Counter(), "failures": [], "hangs": 0}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(
                operation,
                mode,
                cases,
                seed,
                url,
                session,
                headers or {},
                timeout_s,
                stats,
                path_parameters or {},
                drop_query,
                checks or CHECKS,
            )
        stats["statuses"] = dict(sorted(stats["statuses"].items()))
        operations[name] = stats
    return {
        "url": url,
        "cases_per_mode": cases,
        "checks": [c.__name__ for c in checks or CHECKS],
        "seed": seed,
        "sent": sum(s["sent"] for s in operations.values()),
        "server_errors": sum(
            n for s in operations.values() for code, n in s["statuses"].items() if code >= 500
        ),
        "failures": sum(len(s["failures"]) for s in operations.values()),
        "hangs": sum(s["hangs"] for s in operations.values()),
        "operations": operations,
    }


def _run(
    operation, mode, cases, seed, url, session, headers, timeout_s, stats, pinned, dropped, checks
):
    strategy = operation.as_strategy(generation_mode=mode)

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=cases,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(case=strategy)
    def one(case) -> None:
        if pinned and case.path_parameters is not None:
            case.path_parameters.update(pinned)
        for name in dropped:
            if case.query:
                case.query.pop(name, None)
        stats["sent"] += 1
        try:
            response = case.call(base_url=url, session=session, headers=headers, timeout=timeout_s)
        except requests.Timeout:
            stats["hangs"] += 1
            return
        stats["statuses"][response.status_code] += 1
        try:
            case.validate_response(response, checks=checks)
        except (FailureGroup, Exception) as exc:  # one group listing every failed check
            if len(stats["failures"]) < 20:
                stats["failures"].append(
                    {
                        "mode": str(mode),
                        "status": response.status_code,
                        # The first lines name the check and the answer; then the request.
                        "reason": "\n".join(
                            line for line in str(exc).splitlines()[:12] if line.strip()
                        ),
                    }
                )

    # Unsatisfiable: e.g. no request that breaks the schema exists for a GET without inputs.
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        one()


def table(report: dict) -> str:
    lines = [f"{'operation':<44} {'sent':>5} {'fail':>5} {'hang':>5}  statuses"]
    for name, s in report["operations"].items():
        statuses = " ".join(f"{k}:{v}" for k, v in s["statuses"].items())
        lines.append(
            f"{name:<44} {s['sent']:>5} {len(s['failures']):>5} {s['hangs']:>5}  {statuses}"
        )
    lines.append(
        f"total: {report['sent']} sent, {report['server_errors']} 5xx, "
        f"{report['failures']} failed checks, {report['hangs']} hangs"
    )
    return "\n".join(lines)
