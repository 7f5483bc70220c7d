"""Benchmarks and evaluations (latency, quality) run outside the test suite."""
