"""Compatibility shim: ``...hooks.metadata_websocket_hook`` (``MetadataWebSocketHook``,
``create_metadata_hook``); aliases only."""

from mongodb_session_manager.aws import MetadataWebSocketHook, is_metadata_websocket_hook_available
from mongodb_session_manager.aws import create_metadata_websocket_hook as create_metadata_hook

__all__ = ["MetadataWebSocketHook", "create_metadata_hook", "is_metadata_websocket_hook_available"]
