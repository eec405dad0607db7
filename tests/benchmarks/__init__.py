"""Benchmarks: figures against targets, printed, never asserted as timed tests."""
