"""Benchmarks: scripts that print figures (`uv run python -m bench.<name>`)."""
