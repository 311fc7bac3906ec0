"""Reproducible benchmarks: ``make bench`` (``python -m benchmarks``)."""
