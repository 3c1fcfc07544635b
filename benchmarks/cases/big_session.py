"""One big session (issue 16): tool results of 1 MB, tens of thousands of messages.

The text history is stored in bulk first (:mod:`benchmarks.long_sessions`; 50,000
appends against the embedded server would take most of an hour), then the heavy
part is written through each manager's own ``append_message`` and timed: turns
with a 1 MB tool result until the session holds ``big_session_mb`` MB, one
message with a 20 MB image when the library stores big values out of line, and a
last stretch of text. Then: a windowed resume, the viewer's first timeline page,
and deleting the session. v1 (:mod:`benchmarks.legacy_v1`) writes the same heavy
turns until its size guard refuses one: the point where it stops.
"""

from __future__ import annotations

import gc
import importlib.util
from collections.abc import Callable
from typing import Any

import bson

from benchmarks.cases.append_scaling import V1_COLLECTION
from benchmarks.context import BenchContext
from benchmarks.conversation import heavy_turn, image_message, make_conversation
from benchmarks.legacy_v1 import LegacyV1Session, v1_message_document, v1_stop_point
from benchmarks.long_sessions import (
    WINDOW,
    populate_file,
    populate_ours,
    window_manager,
    window_offset,
)
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_bytes, fmt_ms
from mongodb_session_manager.errors import SessionTooLargeError
from mongodb_session_manager.models import DEFAULT_COLLECTION
from mongodb_session_manager.models.pages import blobs_collection, pages_collection

OURS = "mongodb-session-manager"
V1 = "schema v1 layout (frozen copy, raw PyMongo)"
FILE = "FileSessionManager"
RESULT_BYTES = 1_000_000
IMAGE_BYTES = 20 * 1024 * 1024
TAIL = 60
"""Text messages written through the API after the heavy turns (the resumed window)."""


def _blobs_supported() -> str | None:
    """Why the 20 MB image is skipped (``None``: the library stores big values out of line)."""
    if importlib.util.find_spec("mongodb_session_manager.store.blobs") is None:
        return (
            "this build of the library has no out-of-line value store "
            "(`mongodb_session_manager/store/blobs.py`): a 20 MB value cannot be in any "
            "MongoDB document"
        )
    return None


def _time(action: Callable[[], Any], capture: Any = None) -> dict[str, Any]:
    gc.collect()
    if capture is None:
        with Timing() as t:
            action()
        return {"seconds": t.wall, "cpu": t.cpu}
    with capture() as log, Timing() as t:
        action()
    return {
        "seconds": t.wall,
        "cpu": t.cpu,
        "round_trips": log.round_trips,
        "bytes_sent": log.bytes_sent,
        "bytes_received": log.bytes_received,
    }


def _timeline(ctx: BenchContext, session_id: str) -> dict[str, Any]:
    """The viewer's first timeline page of the session (skipped with a reason)."""
    from benchmarks.cases import viewer

    try:
        app = viewer._open_viewer(ctx, ctx.database)
        from fastapi.testclient import TestClient

        path = viewer.ROUTES["timeline"].format(session_id=session_id)
        headers = {"Authorization": f"Bearer {viewer.TOKEN}"}
        with TestClient(app, base_url=viewer.BASE_URL) as client:
            client.get(viewer.ROUTES["list"], params={"limit": 1}, headers=headers)  # warm-up
            found = _time(
                lambda: client.get(path, headers=headers).raise_for_status(),
                viewer.ALL_COMMANDS.capture,
            )
    except Exception as exc:  # reported in the table: the rest of the case stands
        print(f"note: big-session timeline skipped: {exc!r}")
        return {"skipped": repr(exc)[:300]}
    return found


def _ours(
    ctx: BenchContext,
    history: list[dict[str, Any]],
    heavy: list[dict[str, Any]],
    tail: list[dict[str, Any]],
    image: dict[str, Any] | None,
) -> dict[str, Any]:
    session_id = ctx.session_id("big")
    whole = history + heavy + ([image] if image else []) + tail
    populate_ours(ctx, session_id, history, removed=window_offset(history))
    manager = ctx.ours(session_id)
    agent = ctx.agent(manager, conversation_manager=window_manager())
    capture = ctx.factory.pool.command_stats.capture
    steps: dict[str, Any] = {}

    def append(messages: list[dict[str, Any]]) -> Callable[[], None]:
        def go() -> None:
            for message in messages:
                manager.append_message(dict(message), agent)  # type: ignore[arg-type]

        return go

    steps["heavy"] = _time(append(heavy), capture)
    if image is not None:
        steps["image"] = _time(append([image]), capture)
    steps["tail"] = _time(append(tail), capture)
    manager.close()
    # The stored window state is history's: set it to the end of the whole conversation.
    ctx.raw()[DEFAULT_COLLECTION].update_one(
        {"_id": session_id},
        {
            "$set": {
                "agents.default.conversation_manager_state.removed_message_count": window_offset(
                    whole
                )
            }
        },
    )

    def resume() -> None:
        resumed = ctx.agent(ctx.ours(session_id), conversation_manager=window_manager())
        steps["restored"] = len(resumed.messages)

    steps["resume"] = _time(resume, capture)
    steps["timeline"] = _timeline(ctx, session_id)
    raw = ctx.raw()
    steps["stored"] = {
        "pages": raw[pages_collection(DEFAULT_COLLECTION)].count_documents(
            {"session_id": session_id}
        ),
        "blob_chunks": raw[blobs_collection(DEFAULT_COLLECTION)].count_documents(
            {"session_id": session_id}
        ),
    }
    deleter = ctx.ours(session_id)
    steps["delete"] = _time(lambda: deleter.repository.delete_session(session_id), capture)
    deleter.close()
    steps["left"] = {
        "sessions": raw[DEFAULT_COLLECTION].count_documents({"_id": session_id}),
        "pages": raw[pages_collection(DEFAULT_COLLECTION)].count_documents(
            {"session_id": session_id}
        ),
        "blob_chunks": raw[blobs_collection(DEFAULT_COLLECTION)].count_documents(
            {"session_id": session_id}
        ),
    }
    return steps


def _file(
    ctx: BenchContext,
    history: list[dict[str, Any]],
    heavy: list[dict[str, Any]],
    tail: list[dict[str, Any]],
    image: dict[str, Any] | None,
) -> dict[str, Any]:
    session_id = ctx.session_id("big-file")
    whole = history + heavy + ([image] if image else []) + tail
    populate_file(ctx, session_id, history, removed=window_offset(history))
    manager = ctx.file(session_id)
    agent = ctx.agent(manager, conversation_manager=window_manager())
    steps: dict[str, Any] = {}

    def append(messages: list[dict[str, Any]]) -> Callable[[], None]:
        def go() -> None:
            for message in messages:
                manager.append_message(dict(message), agent)  # type: ignore[arg-type]

        return go

    steps["heavy"] = _time(append(heavy))
    if image is not None:
        steps["image"] = _time(append([image]))
    steps["tail"] = _time(append(tail))
    stored = manager.read_agent(session_id, "default")
    assert stored is not None
    stored.conversation_manager_state["removed_message_count"] = window_offset(whole)
    manager.update_agent(session_id, stored)

    def resume() -> None:
        resumed = ctx.agent(ctx.file(session_id), conversation_manager=window_manager())
        steps["restored"] = len(resumed.messages)

    steps["resume"] = _time(resume)
    steps["delete"] = _time(lambda: ctx.file(session_id).delete_session(session_id))
    return steps


def _v1(
    ctx: BenchContext, heavy: list[dict[str, Any]], image: dict[str, Any] | None
) -> dict[str, Any]:
    """The heavy turns alone, on an empty v1 session, until v1's size guard refuses one.

    Then the image, if the heavy turns all fit (v1 refuses a 20 MB message anyway).
    """
    session = LegacyV1Session(ctx.raw()[V1_COLLECTION], ctx.session_id("big-v1"))
    session.create([])
    found: dict[str, Any] = {"stopped_at": None}

    def go() -> None:
        for message in heavy:
            try:
                session.append(message)
            except SessionTooLargeError as exc:
                found["stopped_at"] = session.message_count
                found["error"] = str(exc)
                return

    found.update(_time(go))
    found["results_stored"] = session.message_count // 4
    if image is not None and found["stopped_at"] is None:
        try:
            session.append(image)
            found["image"] = "stored"
        except SessionTooLargeError as exc:
            found["image"] = f"refused: {exc}"
    stored = ctx.raw()[V1_COLLECTION].find_one({"_id": session.session_id}, {"size_bytes": 1})
    found["size_bytes"] = (stored or {}).get("size_bytes")
    ctx.raw()[V1_COLLECTION].delete_one({"_id": session.session_id})
    return found


def _kind(message: dict[str, Any]) -> str:
    """What a message is, in words (for the note on where v1 stops)."""
    blocks = message.get("content") or []
    if any("image" in block for block in blocks):
        return "the 20 MB image"
    if any("toolResult" in block for block in blocks):
        return "a tool result"
    return "a text message"


def _cells(step: dict[str, Any] | None, megabytes: float | None = None) -> list[str]:
    """ms (with MB/s), round trips, bytes sent / received, note."""
    if not step:
        return ["-", "-", "-", ""]
    if "skipped" in step:
        return ["not measured", "-", "-", step["skipped"][:160]]
    time = fmt_ms(step["seconds"]) + (
        f" ({megabytes / step['seconds']:.1f} MB/s)" if megabytes and step["seconds"] else ""
    )
    trips = "-" if "round_trips" not in step else str(step["round_trips"])
    moved = (
        "-"
        if "bytes_sent" not in step
        else f"{fmt_bytes(step['bytes_sent'])} / {fmt_bytes(step['bytes_received'])}"
    )
    return [time, trips, moved, ""]


def run(ctx: BenchContext) -> Section:
    """Build the session's messages, then each contender writes, resumes and deletes it."""
    config = ctx.config
    results_count = config.big_session_mb
    history = make_conversation(max(0, config.big_session_messages - 4 * results_count - TAIL))
    result = ("report line " * (RESULT_BYTES // 12 + 1))[:RESULT_BYTES]
    heavy = [m for i in range(results_count) for m in heavy_turn(i, result)]
    tail = make_conversation(TAIL, seed=23)
    reason = _blobs_supported()
    image = None if reason else image_message(IMAGE_BYTES)
    if reason:
        print(f"note: big session without the 20 MB image: {reason}")
    whole = history + heavy + ([image] if image else []) + tail
    expected = len(whole) - window_offset(whole)
    sizes = [len(bson.encode(v1_message_document(m, i))) for i, m in enumerate(whole)]
    total_mb = sum(sizes) / 1e6
    probe = LegacyV1Session(ctx.raw()[V1_COLLECTION], "probe")
    v1_stop = v1_stop_point(sizes, probe.empty_bytes())
    found = {
        OURS: _ours(ctx, history, heavy, tail, image),
        FILE: _file(ctx, history, heavy, tail, image),
    }
    found[V1] = _v1(ctx, heavy, image)
    heavy_mb = len(heavy) // 4 * RESULT_BYTES / 1e6
    rows: list[list[str]] = []
    for name in (OURS, FILE):
        steps = found[name]
        rows.append(
            [
                f"write {results_count} turns with a 1 MB tool result",
                name,
                *_cells(steps["heavy"], heavy_mb),
            ]
        )
        if image is not None:
            rows.append(
                [
                    "write one message with a 20 MB image",
                    name,
                    *_cells(steps["image"], IMAGE_BYTES / 1e6),
                ]
            )
        rows.append([f"write {TAIL} text messages", name, *_cells(steps["tail"])])
        restored = f"{steps['restored']} restored"
        if steps["restored"] != expected:
            restored += f", **expected {expected}**"
        rows.append([f"resume, window of {WINDOW} ({restored})", name, *_cells(steps["resume"])])
        if name == OURS:
            rows.append(["viewer: first timeline page", name, *_cells(steps["timeline"])])
        rows.append(["delete the session", name, *_cells(steps["delete"])])
    v1 = found[V1]
    v1_note = (
        f"refused after {v1['results_stored']} tool results (`SessionTooLargeError`, "
        f"{fmt_bytes(v1['size_bytes'])} stored)"
        if v1["stopped_at"] is not None
        else f"all {results_count} fit ({fmt_bytes(v1['size_bytes'])})"
    )
    if "image" in v1:
        v1_note += (
            "; then the 20 MB image: refused (`SessionTooLargeError`)"
            if v1["image"].startswith("refused")
            else "; then the 20 MB image: stored"
        )
    label = f"write the {results_count} heavy turns on an empty session"
    rows.append([label, V1, fmt_ms(v1["seconds"]), "-", "-", v1_note])
    ours = found[OURS]
    notes = [
        f"The session: {len(whole):,} messages, {total_mb:,.1f} MB of encoded messages "
        f"({len(history):,} text messages stored in bulk first, untimed), then written "
        "through each manager's `append_message`.",
        f"v1 keeps the whole session in one document: on this conversation its size guard "
        f"refuses message {v1_stop:,} of {len(whole):,}, {_kind(whole[v1_stop])} "
        f"({sum(sizes[:v1_stop]) / 1e6:,.1f} MB stored when it stops)."
        if v1_stop < len(whole)
        else f"This session ({total_mb:,.1f} MB) still fits v1's single document.",
        f"Stored by ours: {ours['stored']['pages']:,} page documents, "
        f"{ours['stored']['blob_chunks']:,} value chunks; after the delete: "
        f"{ours['left']['sessions']} session, {ours['left']['pages']} pages, "
        f"{ours['left']['blob_chunks']} chunks left.",
        "Round trips and bytes (sent / received) are counted with PyMongo command monitoring; "
        "FileSessionManager writes local files (one per message).",
    ]
    if reason:
        notes.append(f"No 20 MB image: {reason}.")
    return Section(
        id="big_session",
        title="One big session: 1 MB tool results, tens of thousands of messages",
        intro=(
            f"One session grown to {total_mb:,.0f} MB and {len(whole):,} messages, then resumed "
            "with a fixed window, shown in the viewer and deleted."
        ),
        columns=["Step", "Writer", "ms", "round trips", "bytes sent / received", "note"],
        rows=rows,
        data={"messages": len(whole), "megabytes": total_mb, "v1_stop": v1_stop, "steps": found},
        notes=notes,
    )
