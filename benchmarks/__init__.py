"""Benchmarks of mongodb-session-manager against what a Strands user would pick instead.

Run ``uv run python -m benchmarks`` (full, a few minutes) or
``uv run python -m benchmarks --quick`` (what CI runs, about a minute). The run
writes ``BENCHMARKS.md``, ``docs/benchmarks/results.json`` and PNG charts under
``docs/benchmarks/``. See ``docs/benchmarks.md`` for what each figure means.
"""
