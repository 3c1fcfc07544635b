"""Compatibility shim: the reference's ``hooks.metadata_sqs_hook`` module (aliases only)."""

from mongodb_session_manager.aws import MetadataSQSHook, is_metadata_sqs_hook_available
from mongodb_session_manager.aws import create_metadata_sqs_hook as create_metadata_hook

__all__ = ["MetadataSQSHook", "create_metadata_hook", "is_metadata_sqs_hook_available"]
