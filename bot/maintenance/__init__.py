"""Maintenance commands of `run.py` that are not about the data itself."""
