"""Benchmarks, run by ``make bench`` (never as timed unit tests)."""
