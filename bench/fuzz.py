"""Fuzz a running server through its OpenAPI document with schemathesis; print a table, write JSON.

    python -m bench.fuzz --stack --cases 100     # `make up`'s agent and both predictors
    python -m bench.fuzz --url http://127.0.0.1:8000 --cases 200 --header "Authorization: Bearer K"
    python -m bench.fuzz --url http://127.0.0.1:8081 --pin model_name=callcenter-svm \
        --drop-query model_version --only "POST /v2/models/{model_name}/infer" --server-errors-only

Each operation gets `--cases` requests that fit the schema and as many that do not (seeded,
so a run can be repeated). A request fails when the answer is a 5xx, a status or content type
the document does not list, a body that breaks the documented schema, or no answer within the
deadline (a hang). The fuzzing itself: devtools/fuzzing.py; `make test` runs it with a few cases
(tests/*/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from devtools.fuzzing import PREDICTOR_OPERATIONS, fuzz, not_a_server_error, table
from devtools.harness import machine
from local.stack import load_env

RESULTS = Path(__file__).parent / "results"


def stack_targets(headers: dict[str, str]) -> list[dict]:
    """The local stack's three servers, each fuzzed the way its document allows: the agent on
    every documented check; a predictor on server-side failures only, on the routes our model
    code answers, with the model's name pinned (KServe's generic document lists no errors)."""
    env = load_env()
    predictors = [
        {
            "url": f"http://127.0.0.1:{env[port]}",
            "only": PREDICTOR_OPERATIONS,
            "path_parameters": {"model_name": name},
            "drop_query": ("model_version",),  # KServe: 501 for any version, by design
            "checks": [not_a_server_error],
        }
        for port, name in (
            ("SVM_PORT", "callcenter-svm"),
            ("TRANSFORMER_PORT", "callcenter-transformer"),
        )
    ]
    return [{"url": f"http://127.0.0.1:{env['AGENT_PORT']}", "headers": headers}, *predictors]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", action="append", help="a server; repeatable")
    where.add_argument("--stack", action="store_true", help="the local stack (`make up`)")
    parser.add_argument("--cases", type=int, default=200, help="per operation and mode")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--header", action="append", default=[], help='"Name: value"')
    parser.add_argument("--only", action="append", default=[], help='"POST /v1/classify"')
    parser.add_argument("--pin", action="append", default=[], help="path parameter NAME=VALUE")
    parser.add_argument("--drop-query", action="append", default=[], help="query parameter")
    parser.add_argument(
        "--server-errors-only",
        action="store_true",
        help="judge 5xx and hangs only (KServe's generic document lists no error answers)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "fuzz.json")
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    targets = (
        stack_targets(headers)
        if args.stack
        else [
            {
                "url": url,
                "headers": headers,
                "only": tuple(args.only),
                "path_parameters": dict(p.split("=", 1) for p in args.pin),
                "drop_query": tuple(args.drop_query),
                "checks": [not_a_server_error] if args.server_errors_only else None,
            }
            for url in args.url
        ]
    )
    reports = []
    for target in targets:
        started = time.perf_counter()
        report = fuzz(cases=args.cases, seed=args.seed, **target)
        report["seconds"] = round(time.perf_counter() - started, 1)
        print(table(report), flush=True)
        reports.append(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "targets": reports}
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    bad = sum(r["server_errors"] + r["failures"] + r["hangs"] for r in reports)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
