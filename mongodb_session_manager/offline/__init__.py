"""An offline, deterministic Strands model: the demo's, the playground's and the tests'.

:class:`ScriptedModel` plays a script of assistant turns through the real
Strands streaming protocol, with no network access or credentials. It sits low
in the package (it imports only Strands and pydantic), so the apps use it without
importing the testing kit; :mod:`mongodb_session_manager.testing` re-exports it.
"""

from mongodb_session_manager.offline.script import ScriptItem as ScriptItem
from mongodb_session_manager.offline.scripted_model import ScriptedModel as ScriptedModel
from mongodb_session_manager.offline.scripted_model import (
    ScriptedModelConfig as ScriptedModelConfig,
)

__all__ = ["ScriptItem", "ScriptedModel", "ScriptedModelConfig"]
