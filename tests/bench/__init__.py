"""Benchmarks: run with `make bench`. They print numbers and never assert on timings."""
