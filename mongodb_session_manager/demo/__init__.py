"""``msm demo`` and the pieces the playground and the examples share with it.

* :func:`run_demo` / :class:`DemoOptions`: the scripted tour of the product;
* :func:`~mongodb_session_manager.demo.models.resolve_model`: the offline
  scripted model or Amazon Bedrock, from a spec (``MSM_MODEL``);
* :data:`~mongodb_session_manager.demo.tools.calculator`: a safe arithmetic tool.
"""

from mongodb_session_manager.demo.models import (
    MODEL_ENV,
    ModelSpec,
    parse_model_spec,
    resolve_model,
)
from mongodb_session_manager.demo.runner import DemoOptions, DemoResult, run_demo
from mongodb_session_manager.demo.tools import calculator

__all__ = [
    "MODEL_ENV",
    "DemoOptions",
    "DemoResult",
    "ModelSpec",
    "calculator",
    "parse_model_spec",
    "resolve_model",
    "run_demo",
]
