"""Development tooling shared by the tests, the benchmarks and the Makefile.

`harness` starts the project's real processes on free loopback ports; `k8s_tools` fetches helm
and kubectl into `.tools/`. Neither is part of the installed wheel or of any image, and no
component imports them (`make lint` checks it).
"""
