"""AWS integration hooks: SNS alerts on feedback, metadata changes to SQS and WebSockets.

An optional extra: ``pip install 'mongodb-session-manager[aws]'`` (boto3). This
package imports without boto3; building a hook without it raises
:class:`~mongodb_session_manager.errors.OptionalDependencyError`, and the
``is_*_available()`` functions tell beforehand.

Every hook runs the database operation first and returns its result unchanged;
the notification is sent afterwards by the hook's own background thread, so AWS
never delays (or undoes) the write. See ``docs/aws-hooks.md``.

Layout: one public module per hook (``sns_feedback``, ``sqs_metadata``,
``websocket_metadata``) over private parts: ``_base`` (the hook protocol,
``AWSHook``, ``BatchAPIHook``), ``_client`` (``ClientSettings``, the boto3 client),
``_worker`` (the background sender), ``_metadata`` (the metadata-change message),
``_feedback_message`` (the feedback message), ``_connections`` (WebSocket
connection ids), ``_encoding`` and ``_boto``. ``mongodb_session_manager.hooks``
holds the reference library's import paths to the same classes.
"""

from mongodb_session_manager.aws._worker import DeliveryStats, close_all_workers
from mongodb_session_manager.aws.sns_feedback import (
    FeedbackSNSHook,
    create_feedback_sns_hook,
    is_feedback_sns_hook_available,
)
from mongodb_session_manager.aws.sqs_metadata import (
    MetadataSQSHook,
    create_metadata_sqs_hook,
    is_metadata_sqs_hook_available,
)
from mongodb_session_manager.aws.websocket_metadata import (
    MetadataWebSocketHook,
    create_metadata_websocket_hook,
    is_metadata_websocket_hook_available,
)
from mongodb_session_manager.services.hooks import compose_hooks

__all__ = [
    "DeliveryStats",
    "FeedbackSNSHook",
    "MetadataSQSHook",
    "MetadataWebSocketHook",
    "close_all_workers",
    "compose_hooks",
    "create_feedback_sns_hook",
    "create_metadata_sqs_hook",
    "create_metadata_websocket_hook",
    "is_feedback_sns_hook_available",
    "is_metadata_sqs_hook_available",
    "is_metadata_websocket_hook_available",
]
