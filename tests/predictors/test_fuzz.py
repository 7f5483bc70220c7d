"""schemathesis against a real SVM predictor, on the routes our model code answers.

KServe's OpenAPI document is generic: it lists no error answers and covers routes KServe itself
declines (model versions: 501), so only server-side failures are judged here, with the model's
name pinned so that cases reach the model rather than KServe's 404.
"""

from __future__ import annotations

from schemathesis.checks import not_a_server_error

from devtools.fuzzing import PREDICTOR_OPERATIONS as OURS
from devtools.fuzzing import fuzz, table


def test_fuzzed_predictor_never_fails_on_the_server_side(svm_server):
    report = fuzz(
        svm_server.url,
        cases=25,
        seed=7,
        only=OURS,
        path_parameters={"model_name": "callcenter-svm"},
        drop_query=("model_version",),  # KServe: 501 for any version, by design
        checks=[not_a_server_error],
    )
    print(table(report))
    assert set(report["operations"]) == set(OURS)
    assert report["sent"] > 100
    failures = {name: s["failures"] for name, s in report["operations"].items() if s["failures"]}
    assert not failures, failures
    assert report["server_errors"] == 0 and report["hangs"] == 0
