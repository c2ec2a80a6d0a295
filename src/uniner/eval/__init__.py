"""Evaluation: metrics (UniversalNER rule, strict) and the benchmark harness."""
