"""Feedback hooks: audit, validation (moderation), notification and analytics.

A feedback hook wraps every ``add_feedback`` of a manager::

    def hook(original_func, action, session_id, **kwargs):   # action: "add"
        feedback = kwargs["feedback"]                         # validated, timestamped dict
        ...
        return original_func(feedback)

Runs offline: an embedded MongoDB-compatible server (unless MONGODB_URI is set)
and a scripted model (no API key)::

    uv run python examples/feedback_hooks.py
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from _support import database, model
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.features import chain_hooks

DATABASE = "examples"
SESSION = "feedback-hooks-demo"

alerts: list[str] = []  # stands in for an SNS topic / a Slack channel
ratings: Counter[str] = Counter()


def audit_hook(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
    """Audit: log every feedback before it is stored."""
    feedback = kwargs["feedback"]
    print(f"  [audit] {action} rating={feedback['rating']} comment={feedback['comment']!r}")
    return original()


BLOCKED_WORDS = ("http://", "https://", "buy now")


def moderation_hook(
    original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
) -> Any:
    """Validation: refuse spam (raise: nothing is stored), trim whitespace."""
    feedback = dict(kwargs["feedback"])
    if any(word in feedback["comment"].lower() for word in BLOCKED_WORDS):
        raise ValueError("feedback looks like spam; not stored")
    feedback["comment"] = feedback["comment"].strip()
    return original(feedback)


def notification_hook(
    original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
) -> Any:
    """Notification: store first, then alert the team about negative feedback."""
    stored = original()
    if stored.rating == "down":
        alerts.append(f"negative feedback on {session_id}: {stored.comment}")
    return stored


def analytics_hook(
    original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
) -> Any:
    """Analytics: count ratings as they arrive."""
    ratings[kwargs["feedback"]["rating"] or "neutral"] += 1
    return original()


def main() -> None:
    with database() as uri:
        MongoDBSessionManager(SESSION, uri, DATABASE).repository.delete_session(SESSION)
        manager = MongoDBSessionManager(
            SESSION,
            uri,
            DATABASE,
            feedback_hook=chain_hooks(
                audit_hook, moderation_hook, analytics_hook, notification_hook
            ),
        )
        agent = Agent(
            agent_id="support",
            model=model(["Your order ships tomorrow.", "It is 42.00 EUR."]),
            session_manager=manager,
            callback_handler=None,
        )
        agent("When does my order ship?")
        agent("How much is it?")

        print("Feedback arrives:")
        manager.add_feedback({"rating": "up", "comment": "  Quick answer, thanks!  "})
        manager.add_feedback(
            {
                "rating": "down",
                "comment": "The price was wrong",
                "agent_id": "support",
                "message_id": 3,
            }
        )
        manager.add_feedback({"rating": None, "comment": "ok"})
        for bad in (
            {"rating": "up", "comment": "BUY NOW at https://spam.example"},
            {"rating": "5 stars", "comment": "invalid rating"},
        ):
            try:
                manager.add_feedback(bad)
            except ValueError as exc:  # InvalidInputError is a ValueError too
                print(f"  refused: {str(exc).splitlines()[0]}")

        stored = manager.get_feedbacks()
        print(f"Stored {len(stored)} feedbacks:")
        for feedback in stored:
            target = f" on message {feedback.message_id}" if feedback.message_id is not None else ""
            print(f"  {feedback.rating or 'neutral':>7}{target}: {feedback.comment}")
        print(f"Alerts sent: {alerts}")
        print(f"Ratings: {dict(sorted(ratings.items()))}")
        manager.close()


if __name__ == "__main__":
    main()
