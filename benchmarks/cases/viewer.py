"""Viewer: listing 10,000 sessions a page at a time, opening a large session.

If ``mongodb_session_manager.viewer`` is not importable (a build without it) this
case is skipped with a printed note. Otherwise :func:`_open_viewer` builds its app
(``create_app(ViewerSettings(...))``); if the viewer's names differ from the ones
assumed there (a URI, a database, a collection and a token;
``GET /api/v1/sessions?limit=&offset=``, ``GET /api/v1/sessions/{id}`` and
``GET /api/v1/sessions/{id}/timeline``), adapt that one function and
``ROUTES``: the data set-up and the measuring do not depend on them.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import time
from collections.abc import Callable
from typing import Any

from benchmarks.context import ALL_COMMANDS, BenchContext
from benchmarks.conversation import make_conversation
from benchmarks.report import Section
from benchmarks.stats import fmt_bytes, fmt_ms, summary
from mongodb_session_manager.models import DEFAULT_COLLECTION

TOKEN = "benchmark-viewer-token"
BASE_URL = "http://127.0.0.1"
"""Where the TestClient sends its requests: a loopback name the viewer answers to."""

ROUTES = {
    "list": "/api/v1/sessions",
    "session": "/api/v1/sessions/{session_id}",
    "timeline": "/api/v1/sessions/{session_id}/timeline",
}
"""The viewer routes measured (see the module docstring)."""


class ViewerUnavailable(Exception):
    """The viewer is missing or its API differs from what this case assumes."""


def _open_viewer(ctx: BenchContext, database: str) -> Any:
    """The viewer's ASGI app on ``database`` (HOOK: adapt to the viewer's API)."""
    try:
        viewer = importlib.import_module("mongodb_session_manager.viewer")
    except ImportError as exc:
        raise ViewerUnavailable(
            f"`mongodb_session_manager.viewer` is not importable in this build ({exc}); "
            "this section lights up once the viewer is merged"
        ) from exc
    create_app: Callable[..., Any] | None = getattr(viewer, "create_app", None)
    if create_app is None:
        raise ViewerUnavailable(
            "`mongodb_session_manager.viewer` has no `create_app`; adapt "
            "`benchmarks/cases/viewer.py::_open_viewer`"
        )
    settings_type: Any = getattr(viewer, "ViewerSettings", None)
    parameters = inspect.signature(create_app).parameters
    if settings_type is not None and "settings" in parameters:
        # The viewer takes one settings object (``create_app(ViewerSettings(...))``).
        settings = settings_type(
            connection_string=ctx.mongo_uri,
            database_name=database,
            collection_name=DEFAULT_COLLECTION,
            token=TOKEN,
        )
        return create_app(settings)
    wanted = {
        ("connection_string", "mongodb_uri", "uri"): ctx.mongo_uri,
        ("database_name", "database"): database,
        ("collection_name", "collection"): DEFAULT_COLLECTION,
        ("token", "access_token", "auth_token", "api_token"): TOKEN,
    }
    kwargs = {
        name: value for names, value in wanted.items() for name in names if name in parameters
    }
    try:
        return create_app(**kwargs)
    except TypeError as exc:
        raise ViewerUnavailable(
            f"`create_app(**{sorted(kwargs)})` failed ({exc}); adapt "
            "`benchmarks/cases/viewer.py::_open_viewer`"
        ) from exc


SEED_BATCH = 100
"""Sessions per ``insert_many`` while seeding: the embedded server answers one command at
a time, and a command that holds it past the heartbeat timeout (seen with 1,000 sessions
a batch on a loaded machine) makes the driver drop the pool mid-seed."""


def _seed(ctx: BenchContext, database: str, sessions: int) -> str:
    """``sessions`` sessions cloned from one stored by the library, plus one long one.

    Returns the long session's id.
    """
    template_id = ctx.session_id("viewer-template")
    factory = ctx.ours_factory(ctx.mongo_uri)
    manager = factory.create_session_manager(template_id)
    ctx.agent(manager, messages=make_conversation(20))
    long_id = ctx.session_id("viewer-long")
    ctx.agent(factory.create_session_manager(long_id), messages=make_conversation(2_000))
    pool = factory.pool

    async def clone() -> None:
        source = pool.collection(ctx.database, DEFAULT_COLLECTION)
        target = pool.collection(database, DEFAULT_COLLECTION)
        template = await source.find_one({"_id": template_id})
        long_doc = await source.find_one({"_id": long_id})
        batch = []
        for i in range(sessions):
            doc = copy.deepcopy(template)
            sid = f"viewer-{i:05d}"
            doc["_id"] = doc["session_id"] = sid
            doc["metadata"] = {"customer": f"c-{i % 500}", "topic": ("billing", "orders")[i % 2]}
            batch.append(doc)
            if len(batch) == SEED_BATCH:
                await target.insert_many(batch)
                batch = []
        if batch:
            await target.insert_many(batch)
        await target.insert_one(long_doc)

    pool.run(clone())
    return long_id


def _measure(
    ctx: BenchContext,
    app: Any,
    requests: dict[str, tuple[str, dict[str, Any]]],
    headers: dict[str, str],
    results: dict[str, Any],
    rows: list[list[str]],
) -> None:
    """Each request: a warm-up, one counted run, then ``repeats`` timed runs."""
    from fastapi.testclient import TestClient

    # The viewer answers only to the host names it is bound to (a DNS-rebinding check):
    # TestClient's default ``Host: testserver`` would be refused.
    with TestClient(app, base_url=BASE_URL) as client:
        for label, (path, params) in requests.items():
            warm = client.get(path, params=params, headers=headers)
            if warm.status_code != 200:
                raise ViewerUnavailable(
                    f"GET {path} answered {warm.status_code}: {warm.text[:200]!r}; adapt "
                    "`ROUTES` / `_open_viewer` in benchmarks/cases/viewer.py"
                )
            timings = []
            with ALL_COMMANDS.capture() as log:
                response = client.get(path, params=params, headers=headers)
            for _ in range(ctx.config.repeats):
                started = time.perf_counter()
                client.get(path, params=params, headers=headers)
                timings.append(time.perf_counter() - started)
            results[label] = {
                "round_trips": log.round_trips,
                "db_bytes_received": log.bytes_received,
                "http_bytes": len(response.content),
                "time": summary(timings),
            }
            rows.append(
                [
                    label,
                    str(log.round_trips),
                    fmt_bytes(log.bytes_received),
                    fmt_bytes(len(response.content)),
                    fmt_ms(results[label]["time"]["median"]),
                ]
            )


def run(ctx: BenchContext) -> Section:
    """Seed the sessions, then measure each request (skipped with a note without a viewer)."""
    title = "Viewer: listing and opening sessions"
    database = f"{ctx.database}_viewer"
    try:
        app = _open_viewer(ctx, database)
    except ViewerUnavailable as exc:
        print(f"note: viewer benchmark skipped: {exc}")
        return Section(id="viewer", title=title, skipped=str(exc))
    sessions = ctx.config.viewer_sessions
    page = ctx.config.viewer_page_size
    long_id = _seed(ctx, database, sessions)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    requests = {
        "list, first page": (ROUTES["list"], {"limit": page, "offset": 0}),
        "list, middle page": (ROUTES["list"], {"limit": page, "offset": sessions // 2}),
        "list, last page": (ROUTES["list"], {"limit": page, "offset": sessions - page}),
        "open a 2,000-message session": (ROUTES["session"].format(session_id=long_id), {}),
        "its timeline, first page": (ROUTES["timeline"].format(session_id=long_id), {}),
    }
    results: dict[str, Any] = {}
    rows: list[list[str]] = []
    try:
        _measure(ctx, app, requests, headers, results, rows)
    except ViewerUnavailable as exc:
        print(f"note: viewer benchmark skipped: {exc}")
        return Section(id="viewer", title=title, skipped=str(exc))
    return Section(
        id="viewer",
        title=title,
        intro=(
            f"{sessions:,} sessions of 20 messages each (cloned from one stored by the "
            f"library) plus one of 2,000 messages; pages of {page}."
        ),
        columns=[
            "Request",
            "database round trips",
            "bytes read from the database",
            "HTTP response bytes",
            "ms (median)",
        ],
        rows=rows,
        data=results,
        notes=["Requests go through FastAPI's TestClient (in process, no network)."],
    )
