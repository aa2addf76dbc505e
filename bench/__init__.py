"""Benchmarks: each module runs on its own and prints ratios measured side by side."""
