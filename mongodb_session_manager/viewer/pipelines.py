"""Aggregation pipelines of the viewer: the server computes what a screen shows.

Agents live in a map keyed by agent (``agents.<key>``), so per-agent figures
are computed with ``$objectToArray`` + ``$map``; message arrays are only ever
reduced server-side (``$arrayElemAt``, ``$slice``, ``$map`` to a few fields),
never shipped whole. Guards (``$isArray``, ``$type``) keep one malformed
document from failing a whole page on a real server. Where the backend lacks an
operator (:class:`~mongodb_session_manager.store.compat.Backend`: mongomock has no
``$type``, ``$substrCP`` or computed ``$slice``), the builder writes a lenient
equivalent; the pipelines are plain data, run by
:class:`~mongodb_session_manager.store.browse.SessionBrowser`.
"""

from __future__ import annotations

from typing import Any

from mongodb_session_manager.models import AGENT_HEADER_FIELDS
from mongodb_session_manager.store.compat import SERVER, Backend

PREVIEW_CHARS = 200

ROW_FIELDS = (
    "session_id",
    "session_type",
    "schema_version",
    "application_name",
    "created_at",
    "updated_at",
    "metadata",
    "totals",
    "size_bytes",
)


class Pipelines:
    """Builds the viewer's pipelines with the operators ``backend`` supports.

    Args:
        backend: What the server can do (a MongoDB server by default).
    """

    def __init__(self, backend: Backend = SERVER) -> None:
        self.backend = backend

    # -- guards --------------------------------------------------------------------------

    @staticmethod
    def array(expr: Any) -> dict[str, Any]:
        """``expr`` if it is an array, else ``[]``."""
        return {"$cond": [{"$isArray": expr}, expr, []]}

    def entries(self, expr: Any) -> dict[str, Any]:
        """``$objectToArray`` of ``expr`` if it is an object, else ``[]``."""
        if not self.backend.types_in_expressions:
            return {"$objectToArray": {"$ifNull": [expr, {}]}}
        return {"$objectToArray": {"$cond": [{"$eq": [{"$type": expr}, "object"]}, expr, {}]}}

    def is_text(self, expr: Any) -> dict[str, Any]:
        """Whether ``expr`` is a string."""
        if not self.backend.types_in_expressions:
            # mongomock drops the whole expression when a path is missing, unless $ifNull.
            return {"$gt": [{"$ifNull": [expr, None]}, None]}
        return {"$eq": [{"$type": expr}, "string"]}

    def cut(self, expr: Any, length: int) -> dict[str, Any]:
        """The first ``length`` characters of a string (code points, never half a character)."""
        operator = "$substrCP" if self.backend.code_point_substrings else "$substr"
        return {operator: [expr, 0, length]}

    # -- expressions ---------------------------------------------------------------------

    def first_text(self, content: Any) -> dict[str, Any]:
        """The first text block of a content array, cut to the preview length."""
        texts = {
            "$map": {
                "input": {
                    "$filter": {
                        "input": self.array(content),
                        "as": "b",
                        "cond": self.is_text("$$b.text"),
                    }
                },
                "as": "b",
                "in": "$$b.text",
            }
        }
        return self.cut({"$ifNull": [{"$arrayElemAt": [texts, 0]}, ""]}, PREVIEW_CHARS)

    def rating_count(self, rating: str) -> dict[str, Any]:
        """How many feedbacks have ``rating``."""
        return {
            "$size": {
                "$filter": {
                    "input": self.array("$feedbacks"),
                    "as": "f",
                    "cond": {"$eq": ["$$f.rating", rating]},
                }
            }
        }

    def guardrail_count(self) -> dict[str, Any]:
        """How many guardrail events the session records (any shape the reference wrote)."""
        return {"$size": self.array("$guardrail_events")}

    # -- pipelines -----------------------------------------------------------------------

    def opener(self, messages: Any, fields: dict[str, Any]) -> dict[str, Any]:
        """``fields`` plus the time, redaction and preview of the first of ``messages``."""
        first = {"$arrayElemAt": [self.array(messages), 0]}
        return {
            "$let": {
                "vars": {"m": first},
                "in": {
                    **fields,
                    "first_at": "$$m.created_at",
                    "redacted": {"$gt": ["$$m.redact_message", None]},
                    "preview": self.first_text(
                        {"$ifNull": ["$$m.redact_message.content", "$$m.content"]}
                    ),
                },
            }
        }

    def row_projection(self) -> dict[str, Any]:
        """A result row: header, counters, totals, per-agent brief and first message preview.

        The first message of an agent with pages is message 0 of its first page,
        not the first recent one: the row says so (``paged_count``) and the query
        layer reads those previews from the pages (:meth:`page_openers`).
        """
        agent = self.opener(
            "$$a.v.messages",
            {
                "key": "$$a.k",
                "agent_id": "$$a.v.agent_id",
                "model": "$$a.v.model",
                "message_count": "$$a.v.message_count",
                "paged_count": "$$a.v.paged_count",
                "incarnation": "$$a.v.incarnation",
            },
        )
        projection: dict[str, Any] = dict.fromkeys(ROW_FIELDS, 1)
        projection.update(
            {
                "feedback_count": {"$size": self.array("$feedbacks")},
                "feedback_up": self.rating_count("up"),
                "feedback_down": self.rating_count("down"),
                "guardrail_count": self.guardrail_count(),
                "agents": {"$map": {"input": self.entries("$agents"), "as": "a", "in": agent}},
            }
        )
        return projection

    def search(
        self, match: dict[str, Any], sort: list[tuple[str, int]], offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """One page of result rows."""
        pipeline: list[dict[str, Any]] = []
        if match:
            pipeline.append({"$match": match})
        pipeline.append({"$sort": dict(sort)})
        if offset:
            pipeline.append({"$skip": offset})
        pipeline.append({"$limit": limit})
        pipeline.append({"$project": self.row_projection()})
        return pipeline

    def detail(self, session_id: str) -> list[dict[str, Any]]:
        """The session without any message array (agents' headers, feedbacks, metadata)."""
        agent_fields = {name: f"$$a.v.{name}" for name in AGENT_HEADER_FIELDS}
        return [
            {"$match": {"_id": session_id}},
            {
                "$project": {
                    **dict.fromkeys(ROW_FIELDS, 1),
                    "feedbacks": 1,
                    "guardrail_count": self.guardrail_count(),
                    "agents": {
                        "$map": {
                            "input": self.entries("$agents"),
                            "as": "a",
                            "in": {"key": "$$a.k", **agent_fields},
                        }
                    },
                    "multi_agents": {
                        "$map": {
                            "input": self.entries("$multi_agents"),
                            "as": "a",
                            "in": {
                                "multi_agent_id": "$$a.v.multi_agent_id",
                                "created_at": "$$a.v.created_at",
                                "updated_at": "$$a.v.updated_at",
                            },
                        }
                    },
                }
            },
        ]

    def timeline(
        self,
        session_id: str,
        offsets: dict[str, int],
        feedback_offset: int,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Each agent's next ``limit`` messages from its offset, and the next feedbacks.

        Only the recent messages (ids ``paged_count``..) are in the document: the
        slice of agent ``k`` at offset ``o`` starts at ``o - paged_count``; ids below
        ``paged_count`` come from :meth:`page_window` (a second read). Where
        ``$slice`` takes no computed offset (mongomock) the arrays come whole and
        the caller slices them; :attr:`slices_server_side` says which.
        """
        messages: Any = self.array("$$a.v.messages")
        feedbacks: Any = self.array("$feedbacks")
        if self.slices_server_side:
            offset: Any = 0
            if offsets:
                offset = {
                    "$switch": {
                        "branches": [
                            {"case": {"$eq": ["$$a.k", {"$literal": key}]}, "then": value}
                            for key, value in offsets.items()
                        ],
                        "default": 0,
                    }
                }
            # ``messages`` holds ids paged_count.. (position = id - paged_count); ids
            # below paged_count come from pages, so fewer recent ones are needed.
            paged: Any = {"$ifNull": ["$$a.v.paged_count", 0]}
            start = {"$max": [0, {"$subtract": [offset, paged]}]}
            from_pages = {"$max": [0, {"$subtract": [paged, offset]}]}
            count = {"$max": [1, {"$subtract": [limit, from_pages]}]}
            messages = {"$slice": [messages, start, count]}
            feedbacks = {"$slice": [feedbacks, feedback_offset, limit]}
        return [
            {"$match": {"_id": session_id}},
            {
                "$project": {
                    "feedback_count": {"$size": self.array("$feedbacks")},
                    "feedbacks": feedbacks,
                    "agents": {
                        "$map": {
                            "input": self.entries("$agents"),
                            "as": "a",
                            "in": {
                                "key": "$$a.k",
                                "agent_id": "$$a.v.agent_id",
                                "message_count": "$$a.v.message_count",
                                "paged_count": "$$a.v.paged_count",
                                "incarnation": "$$a.v.incarnation",
                                "messages": messages,
                            },
                        }
                    },
                }
            },
        ]

    @property
    def slices_server_side(self) -> bool:
        """Whether :meth:`timeline` slices the arrays (where the backend can)."""
        return self.backend.computed_slices

    def calls(self, messages: Any) -> dict[str, Any]:
        """Each message of ``messages`` reduced to its time, usage and metrics."""
        return {
            "$map": {
                "input": self.array(messages),
                "as": "m",
                "in": {
                    "created_at": "$$m.created_at",
                    "usage": "$$m.metadata.usage",
                    "metrics": "$$m.metadata.metrics",
                },
            }
        }

    def metrics(self, session_id: str) -> list[dict[str, Any]]:
        """Per recent message: time and usage/metrics only (no content); pages add the rest."""
        return [
            {"$match": {"_id": session_id}},
            {
                "$project": {
                    "totals": 1,
                    "agents": {
                        "$map": {
                            "input": self.entries("$agents"),
                            "as": "a",
                            "in": {
                                "key": "$$a.k",
                                "agent_id": "$$a.v.agent_id",
                                "model": "$$a.v.model",
                                "totals": "$$a.v.totals",
                                "paged_count": "$$a.v.paged_count",
                                "incarnation": "$$a.v.incarnation",
                                "calls": self.calls("$$a.v.messages"),
                            },
                        }
                    },
                }
            },
        ]

    # -- pages (``<sessions>_pages``) ---------------------------------------------------

    def page_openers(self, branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The preview of each first page ``branches`` select (see :func:`.paging.first_pages`)."""
        return [
            {"$match": {"$or": branches}},
            {
                "$project": {
                    "_id": 0,
                    "opener": self.opener(
                        "$messages", {"session_id": "$session_id", "agent_key": "$agent_key"}
                    ),
                }
            },
        ]

    def page_window(
        self, branches: list[dict[str, Any]], offsets: dict[str, int], limit: int
    ) -> list[dict[str, Any]]:
        """The pages ``branches`` select, each cut to the ids ``offset .. offset + limit - 1``.

        ``offsets``: each agent key's timeline offset. A page's ``first_id`` becomes
        that of its first message kept, so at most ``limit`` messages per agent
        come back whatever the pages' size (needs computed ``$slice``: see
        :attr:`slices_server_side`; else the pages are read whole).
        """
        offset: Any = {
            "$switch": {
                "branches": [
                    {"case": {"$eq": ["$agent_key", {"$literal": key}]}, "then": value}
                    for key, value in offsets.items()
                ],
                "default": 0,
            }
        }
        start = {"$max": ["$first_id", offset]}
        skip = {"$subtract": [start, "$first_id"]}
        count = {"$subtract": [{"$add": [offset, limit]}, start]}  # >= 1: the match says so
        return [
            {"$match": {"$or": branches}},
            {
                "$project": {
                    "agent_key": 1,
                    "incarnation": 1,
                    "end_id": 1,
                    "first_id": start,
                    "messages": {"$slice": [self.array("$messages"), skip, count]},
                }
            },
        ]

    def page_calls(self, branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Time, usage and metrics of each message of the pages ``branches`` select."""
        return [
            {"$match": {"$or": branches}},
            {
                "$project": {
                    "agent_key": 1,
                    "incarnation": 1,
                    "first_id": 1,
                    "end_id": 1,
                    "messages": self.calls("$messages"),
                }
            },
        ]

    def fields_sample(self, size: int) -> list[dict[str, Any]]:
        """Metadata and agent models of the ``size`` most recently updated sessions."""
        return [
            {"$sort": {"updated_at": -1}},
            {"$limit": size},
            {
                "$project": {
                    "_id": 0,
                    "metadata": 1,
                    "models": {
                        "$map": {
                            "input": self.entries("$agents"),
                            "as": "a",
                            "in": "$$a.v.model",
                        }
                    },
                }
            },
        ]
