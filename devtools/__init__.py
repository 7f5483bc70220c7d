"""Development tooling shared by the tests, the benchmarks and the Makefile.

`harness` starts the project's real processes on free loopback ports; `k8s_tools` fetches helm
and kubectl into `.tools/`; `pii_score`, `fuzzing` and `router_replay` are the measurements that
a test holds to a floor and a benchmark reports in full (the PII sets' scoring, schemathesis
fuzzing, the agent's routing replayed on saved probabilities); `make_pii_cases` and
`make_pii_id_cases` build data/pii/. Nothing here is part of the installed wheel or of any image;
no component imports it, and it imports neither the benchmarks nor the tests (`make lint`).
"""
