"""Benchmarks: `suite.py` is `yimai bench`; the other scripts measure one concern each and
say in their docstrings how to run them."""
