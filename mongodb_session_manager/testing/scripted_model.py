"""The offline scripted model at its old path (it lives in ``offline`` now)."""

from mongodb_session_manager.offline.script import ScriptItem as ScriptItem
from mongodb_session_manager.offline.scripted_model import ScriptedModel as ScriptedModel
from mongodb_session_manager.offline.scripted_model import (
    ScriptedModelConfig as ScriptedModelConfig,
)

__all__ = ["ScriptItem", "ScriptedModel", "ScriptedModelConfig"]
