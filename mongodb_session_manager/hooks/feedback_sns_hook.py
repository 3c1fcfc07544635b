"""Compatibility shim: the reference's ``hooks.feedback_sns_hook`` module (aliases only)."""

from mongodb_session_manager.aws import FeedbackSNSHook, is_feedback_sns_hook_available
from mongodb_session_manager.aws import create_feedback_sns_hook as create_feedback_hook

__all__ = ["FeedbackSNSHook", "create_feedback_hook", "is_feedback_sns_hook_available"]
