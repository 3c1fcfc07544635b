"""``FeedbackSNSHook``: every stored feedback is published to the SNS topic of its rating.

Thumbs down can page someone, thumbs up can feed a dashboard: ``rating="up"``
goes to the *good* topic, ``"down"`` to the *bad* one, no rating to the
*neutral* one; a topic left as ``None`` is not notified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from mongodb_session_manager.aws._base import (
    DEFAULT_MAX_ATTEMPTS,
    BatchAPIHook,
    ClientSettings,
    QueueLimits,
)
from mongodb_session_manager.aws._boto import is_boto3_available, region_from_arn, require_boto3
from mongodb_session_manager.aws._encoding import (
    as_dict,
    encoded_bytes,
    sns_subject,
    to_json,
    xml_safe,
)
from mongodb_session_manager.aws._feedback_message import (
    LABELS,
    TEMPLATE_FIELDS,
    check_template,
    per_label,
    subject_text,
    template_values,
    text_body,
)
from mongodb_session_manager.aws._worker import DEFAULT_EXIT_TIMEOUT, Delivery
from mongodb_session_manager.errors import InvalidInputError

__all__ = [
    "DEFAULT_SUBJECT_TEMPLATE",
    "DISABLED_TOPIC",
    "LABELS",
    "SNS_MAX_MESSAGE_BYTES",
    "TEMPLATE_FIELDS",
    "BodyFormat",
    "FeedbackSNSHook",
    "create_feedback_sns_hook",
    "is_feedback_sns_hook_available",
]

DEFAULT_SUBJECT_TEMPLATE = "Feedback ({label}) on session {session_id}"
"""The default subject: ``Feedback (bad) on session support-42``."""

SNS_MAX_MESSAGE_BYTES = 256 * 1024

BodyFormat = Literal["json", "text"]
"""``"json"``: the JSON document below; ``"text"``: the reference library's text body."""

DISABLED_TOPIC = "none"
"""A topic ARN given as this string (any case) is not notified, as in the reference library."""


def _topic(arn: str | None) -> str | None:
    return None if isinstance(arn, str) and arn.strip().lower() == DISABLED_TOPIC else arn


class FeedbackSNSHook(BatchAPIHook):
    """A feedback hook publishing each stored feedback to the SNS topic of its rating.

    Use an instance as the manager's ``feedback_hook``; it is thread-safe and meant
    to be shared by every manager of the process (build it once at start-up).
    Publishing happens on the hook's own thread, batched (``PublishBatch``) when
    feedback arrives faster than it is sent, with botocore's retries.

    The default message is JSON::

        {"event": "feedback", "session_id": "...", "rating": "down", "label": "bad",
         "timestamp": "2026-11-25T16:11:35.123Z",
         "feedback": {"rating": "down", "comment": "...", ...}}

    with message attributes ``session_id``, ``rating``, ``label`` and ``event``
    (for SNS subscription filter policies).

    Args:
        topic_arn_good: Topic for ``rating="up"``; None: not notified.
        topic_arn_bad: Topic for ``rating="down"``; None: not notified.
        topic_arn_neutral: Topic for feedback without a rating; None: not notified.
        subject_template: Subject (placeholders: :data:`TEMPLATE_FIELDS`); made
            printable ASCII under 100 characters, as SNS requires.
        body_template: A text body instead of the JSON one (same placeholders).
        body_format: ``"json"`` (default) or ``"text"``: a readable body, the
            topic's body prefix then the comment and the session details (what
            :func:`create_feedback_sns_hook` sends by default, as the reference did).
        subject_prefixes: Per topic (``good`` / ``bad`` / ``neutral``), the
            subject's beginning (placeholders allowed); the session id is appended
            unless it uses ``{session_id}``.
        body_prefixes: Per topic, the first paragraph of a text body.
        region_name: Defaults to the topics' region (they must share one).
        endpoint_url: Another endpoint (LocalStack, moto); None: AWS.
        client: A ready boto3 SNS client to use instead of building one.
        boto3_session: The boto3 session to build the client from (credentials).
        max_attempts: Attempts per request (botocore standard retries, backoff).
        connect_timeout: Seconds to connect to SNS.
        read_timeout: Seconds to wait for SNS's answer.
        max_queue_size: Pending notifications kept at most; more are dropped (logged).
        max_message_bytes: Larger messages are not sent (logged).
        exit_timeout: Seconds the process's exit waits for pending notifications.
        name: The hook's name in logs.

    Raises:
        OptionalDependencyError: boto3 is not installed.
        InvalidInputError: no topic, a malformed ARN, topics in different
            regions, or an unknown template placeholder.
    """

    service = "sns"

    def __init__(
        self,
        topic_arn_good: str | None = None,
        topic_arn_bad: str | None = None,
        topic_arn_neutral: str | None = None,
        *,
        subject_template: str = DEFAULT_SUBJECT_TEMPLATE,
        body_template: str | None = None,
        body_format: BodyFormat = "json",
        subject_prefixes: Mapping[str, str | None] | None = None,
        body_prefixes: Mapping[str, str | None] | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client: Any | None = None,
        boto3_session: Any | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        max_queue_size: int = 1000,
        max_message_bytes: int = SNS_MAX_MESSAGE_BYTES,
        exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
        name: str = "feedback-sns",
    ) -> None:
        require_boto3(type(self).__name__)
        self.topics: dict[str, str | None] = {
            "good": _topic(topic_arn_good),
            "bad": _topic(topic_arn_bad),
            "neutral": _topic(topic_arn_neutral),
        }
        arns = [arn for arn in self.topics.values() if arn is not None]
        if not arns:
            raise InvalidInputError("FeedbackSNSHook: give at least one topic ARN")
        regions = {region_from_arn(arn) for arn in arns}
        not_sns = [arn for arn in arns if arn.split(":")[2] != "sns"]
        if not_sns:
            raise InvalidInputError(f"FeedbackSNSHook: not SNS topic ARNs: {not_sns}")
        if len(regions) > 1:
            raise InvalidInputError(
                f"FeedbackSNSHook: the topics are in different regions {sorted(regions)}; "
                "use one hook per region and compose_hooks() them"
            )
        self.subject_template = check_template(subject_template, "subject_template")
        self.body_template = (
            None if body_template is None else check_template(body_template, "body_template")
        )
        if body_format not in ("json", "text"):
            raise InvalidInputError(
                f"FeedbackSNSHook: body_format must be 'json' or 'text', got {body_format!r}"
            )
        self.body_format: BodyFormat = body_format
        self.subject_prefixes = per_label(subject_prefixes, "subject prefix")
        self.body_prefixes = per_label(body_prefixes, "body prefix")
        self.max_message_bytes = max_message_bytes
        super().__init__(
            name,
            regions.pop(),
            ClientSettings.from_arguments(locals()),
            # PublishBatch's limits: 10 entries, the bytes of all entries together.
            QueueLimits(max_queue_size, 10, SNS_MAX_MESSAGE_BYTES, exit_timeout),
        )

    # ------------------------------------------------------------------ building

    def _prepare(self, action: str, session_id: str, kwargs: dict[str, Any]) -> list[Delivery]:
        if action != "add" or "feedback" not in kwargs:
            return []
        feedback = as_dict(kwargs["feedback"])
        values = template_values(session_id, feedback)
        label = values["label"]
        topic = self.topics[label]
        if topic is None:
            return []
        prefix = self.subject_prefixes.get(label)
        subject = sns_subject(subject_text(prefix, self.subject_template, values), "Feedback")
        body = self._body(feedback, values)
        attributes = {
            "event": "feedback",
            "session_id": xml_safe(session_id),
            "rating": values["rating"],
            "label": label,
        }
        size = (
            encoded_bytes(body)
            + len(subject)
            + sum(encoded_bytes(k) + encoded_bytes(v) + 6 for k, v in attributes.items())
        )
        if size > self.max_message_bytes:
            self._log_failure(
                Delivery(session_id, topic, "", size),
                "MessageTooLong",
                f"{size} bytes; the limit is {self.max_message_bytes}: not sent",
            )
            self._worker.count_failed()
            return []
        options = {"subject": subject, "attributes": attributes}
        return [Delivery(session_id, topic, body, size, options)]

    def _body(self, feedback: dict[str, Any], values: Mapping[str, str]) -> str:
        """The message: the body template, the text body or the JSON document."""
        if self.body_template is not None:
            return xml_safe(self.body_template.format_map(values))
        if self.body_format == "text":
            prefix = self.body_prefixes.get(values["label"])
            return xml_safe(text_body(prefix, values, feedback))
        return to_json(
            {
                "event": "feedback",
                "session_id": values["session_id"],
                "rating": feedback.get("rating"),
                "label": values["label"],
                "timestamp": values["timestamp"],
                "feedback": feedback,
            }
        )

    # ------------------------------------------------------------------ sending

    def _entry(self, delivery: Delivery) -> dict[str, Any]:
        return {"Message": delivery.body, "Subject": delivery.options["subject"]}

    def _call_batch(self, target: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        response: dict[str, Any] = self.client.publish_batch(
            TopicArn=target, PublishBatchRequestEntries=entries
        )
        return response


def create_feedback_sns_hook(
    topic_arn_good: str | None = None,
    topic_arn_bad: str | None = None,
    topic_arn_neutral: str | None = None,
    subject_prefix_good: str | None = None,
    subject_prefix_bad: str | None = None,
    subject_prefix_neutral: str | None = None,
    body_prefix_good: str | None = None,
    body_prefix_bad: str | None = None,
    body_prefix_neutral: str | None = None,
    **options: Any,
) -> FeedbackSNSHook:
    """Build a :class:`FeedbackSNSHook` with the reference library's arguments.

    As in the reference: a topic given as ``"none"`` is not notified; the
    prefixes take ``{session_id}``, ``{rating}`` and ``{timestamp}`` (and the
    other :data:`TEMPLATE_FIELDS`); the body is text (the topic's body prefix,
    the comment, the session details) unless ``body_format="json"`` is passed.
    ``options`` are :class:`FeedbackSNSHook`'s keyword arguments.

    Example::

        hook = create_feedback_sns_hook(
            topic_arn_good="none",
            topic_arn_bad="arn:aws:sns:eu-west-1:123456789012:feedback-bad",
            topic_arn_neutral="none",
            subject_prefix_bad="[ALERT] Thumbs down",
            body_prefix_bad="A user disliked an answer at {timestamp}.",
        )
        manager = MongoDBSessionManager("s1", uri, feedback_hook=hook)
        manager.add_feedback({"rating": "down", "comment": "Wrong answer"})

    Raises:
        OptionalDependencyError: boto3 is not installed
            (``pip install 'mongodb-session-manager[aws]'``). The reference returned
            ``None`` instead; see ``docs/upgrading.md``.
        InvalidInputError: no topic left, a malformed ARN, or a bad template.
    """
    options.setdefault("body_format", "text")
    options.setdefault(
        "subject_prefixes",
        {"good": subject_prefix_good, "bad": subject_prefix_bad, "neutral": subject_prefix_neutral},
    )
    options.setdefault(
        "body_prefixes",
        {"good": body_prefix_good, "bad": body_prefix_bad, "neutral": body_prefix_neutral},
    )
    return FeedbackSNSHook(topic_arn_good, topic_arn_bad, topic_arn_neutral, **options)


def is_feedback_sns_hook_available() -> bool:
    """Whether :func:`create_feedback_sns_hook` can work (boto3 is installed)."""
    return is_boto3_available()
