"""Hypothesis profiles of the fuzzing suite, loaded for the whole directory.

``ci`` (the default) is bounded so the directory stays within about a minute on
a loaded 2-core machine, and is derandomized: the same cases run every time, so
a failure in CI reproduces locally. ``thorough`` tries many more cases::

    HYPOTHESIS_PROFILE=thorough uv run pytest tests/fuzz -q
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=SUPPRESSED,
    print_blob=True,
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=SUPPRESSED
)
# Loaded when this directory is collected. Other hypothesis tests of the suite set
# their own max_examples and deadline; from here they only inherit derandomize.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def fresh_id() -> Iterator[Callable[[str], str]]:
    """A new session id per example: examples never see each other's writes."""
    counter = itertools.count()
    yield lambda prefix: f"{prefix}-{next(counter)}"
