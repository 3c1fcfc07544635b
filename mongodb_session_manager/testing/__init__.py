"""Test helpers for code built on mongodb-session-manager and Strands agents.

Importing this package never imports pytest: the fixtures live in
:mod:`mongodb_session_manager.testing.pytest_plugin`, enabled with
``pytest_plugins = ["mongodb_session_manager.testing.pytest_plugin"]``.

Re-exports use the explicit ``import X as X`` form so further helpers can be
added by appending one import line each (no ``__all__`` to keep in sync).
"""

from mongodb_session_manager.offline import ScriptedModel as ScriptedModel
from mongodb_session_manager.testing.backend import MongoBackend as MongoBackend
