"""Old import path of the metadata tool.

Now :mod:`mongodb_session_manager.services.metadata_tool`.
"""

from mongodb_session_manager.services.metadata_tool import (
    TOOL_NAME,
    KeyPolicy,
    MetadataAccess,
    metadata_tool,
)

__all__ = ["TOOL_NAME", "KeyPolicy", "MetadataAccess", "metadata_tool"]
