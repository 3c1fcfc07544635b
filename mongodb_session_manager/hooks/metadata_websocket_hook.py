"""Compatibility shim: the reference's ``hooks.metadata_websocket_hook`` module (aliases only).

``MetadataWebSocketHook`` and ``create_metadata_hook`` (the reference's name of
:func:`~mongodb_session_manager.aws.create_metadata_websocket_hook`).
"""

from mongodb_session_manager.aws import MetadataWebSocketHook, is_metadata_websocket_hook_available
from mongodb_session_manager.aws import create_metadata_websocket_hook as create_metadata_hook

__all__ = ["MetadataWebSocketHook", "create_metadata_hook", "is_metadata_websocket_hook_available"]
