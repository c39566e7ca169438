"""Benchmark harness of the ICM assistant: `python -m bench.run [--quick]` (see docs/benchmarks.md)."""
