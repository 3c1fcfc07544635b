"""Test helpers for code built on mongodb-session-manager and Strands agents.

Re-exports use the explicit ``import X as X`` form so further helpers can be
added by appending one import line each (no ``__all__`` to keep in sync).
"""

from mongodb_session_manager.testing.pytest_plugin import MongoBackend as MongoBackend
from mongodb_session_manager.testing.scripted_model import ScriptedModel as ScriptedModel
