"""Reproducible measurements of the exporter (not part of the test run's pass or fail)."""
