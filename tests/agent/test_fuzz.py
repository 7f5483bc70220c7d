"""schemathesis against the real agent process (real predictors, a SQLite review store).

Seeded and bounded (a few cases per operation and mode); `python -m bench.fuzz` runs more. Every
answer must be documented: status, content type, headers and body schema; no 5xx, no hang.
"""

from __future__ import annotations

import pytest

from devtools.fuzzing import fuzz, table
from tests.conftest import agent_with_store

KEY = "fuzz-key"


@pytest.fixture(scope="module")
def fuzzed_agent(svm_server, transformer_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz-agent")
    with agent_with_store(tmp, svm_server.url, transformer_server.url, KEY) as server:
        yield server


def test_fuzzed_agent_answers_only_what_its_openapi_documents(fuzzed_agent):
    report = fuzz(fuzzed_agent.url, cases=15, seed=7, headers={"Authorization": f"Bearer {KEY}"})
    print(table(report))
    assert report["sent"] > 150
    failures = {name: s["failures"] for name, s in report["operations"].items() if s["failures"]}
    assert not failures, failures
    assert report["server_errors"] == 0 and report["hangs"] == 0
    # The fuzzer reached the models, not only the validation layer.
    assert report["operations"]["POST /v1/classify"]["statuses"].get(200, 0) > 0
