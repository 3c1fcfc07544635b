"""``msm demo``: the whole product on a fresh machine, in about a minute.

A support agent (calculator + metadata tool) and a billing agent share one
session; the application sets metadata and records feedback; a guardrail
redacts a card number; a fresh manager on a fresh connection pool resumes the
conversation and continues it; then a summary of what MongoDB holds is printed
and the session viewer is served on the same data.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text
from strands import Agent
from strands.types.content import Message

from mongodb_session_manager.demo.conversation import (
    APP_METADATA,
    BILLING,
    RESUME,
    SUPPORT,
    SUPPORT_AGENT,
    Part,
)
from mongodb_session_manager.demo.guardrail import REPLACEMENT, CardNumberGuardrail
from mongodb_session_manager.demo.models import ModelSpec, parse_model_spec, resolve_model
from mongodb_session_manager.demo.summary import print_summary
from mongodb_session_manager.demo.tools import calculator
from mongodb_session_manager.demo.viewer_launch import (
    DEFAULT_VIEWER_HOST,
    DEFAULT_VIEWER_PORT,
    serve_viewer,
)
from mongodb_session_manager.local.data_dir import DatabaseHandle, open_database
from mongodb_session_manager.manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.store import CommandLog

logger = logging.getLogger(__name__)

APPLICATION_NAME = "msm-demo"
SESSION_PREFIX = "demo-"
_SHOWN_CHARS = 240
PIPE_WIDTH = 120
"""Width when the output is not a terminal (CI logs, pipes): the tables fit."""


@dataclass
class DemoOptions:
    """What ``msm demo`` was asked to do.

    Attributes:
        uri: A MongoDB URI (``MONGODB_URI``); ``None``: the local data directory.
        data_dir: The local data directory (``None``: ``$MSM_DATA_DIR`` or ``./.msm``).
        database: Database of the sessions collection.
        collection: Collection of session documents.
        model: Model spec (``scripted`` or ``bedrock:<id>``; ``None``: ``$MSM_MODEL``).
        session_id: Session to write (``None``: a new ``demo-<time>-<random>`` id).
        viewer: Serve the session viewer after the summary.
        viewer_host: Interface of the viewer.
        viewer_port: Port of the viewer.
        viewer_token: The viewer's access token (``None``: env or generated).
        latency_ms: Time the offline model takes per answer (it really waits).
    """

    uri: str | None = None
    data_dir: Path | None = None
    database: str = DEFAULT_DATABASE
    collection: str = DEFAULT_COLLECTION
    model: str | None = None
    session_id: str | None = None
    viewer: bool = True
    viewer_host: str = DEFAULT_VIEWER_HOST
    viewer_port: int = DEFAULT_VIEWER_PORT
    viewer_token: str | None = None
    latency_ms: int = 150


@dataclass
class DemoResult:
    """What the demo stored."""

    session_id: str
    database: DatabaseHandle
    feedback_message_ids: list[int] = field(default_factory=list)
    stored_messages: int = 0
    """Messages the first part stored (both agents)."""
    restored_messages: int = 0
    demo_sessions: int = 0
    conversation_traffic: CommandLog = field(default_factory=CommandLog)
    """Database commands of the first part (two agents, metadata, feedback)."""
    resume_traffic: CommandLog = field(default_factory=CommandLog)
    """Database commands of opening the session again and restoring the agent."""


class Reporter:
    """Progress (a spinner per step) and the transcript, on one rich console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )

    def __enter__(self) -> Reporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    @contextmanager
    def step(self, description: str) -> Iterator[None]:
        """Show ``description`` with a spinner; print it with a tick and its time when done."""
        task = self.progress.add_task(description, total=None)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.progress.remove_task(task)
        elapsed = time.perf_counter() - started
        self.console.print(
            Text("✓ ", style="green").append(description).append(f"  ({elapsed:.1f} s)", "dim")
        )

    def note(self, text: str, style: str = "") -> None:
        """A line of the transcript (never read as rich markup)."""
        self.console.print(Text(text, style=style))

    def messages(self, agent_id: str, messages: Sequence[Message]) -> None:
        """Print new conversation messages, one line per content block."""
        for message in messages:
            for block in message.get("content", []):
                line = _describe_block(message.get("role", "?"), block)
                if line is not None:
                    self.note(f"    {agent_id} | {line[0]}", line[1])


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 1] + "…"


def _describe_block(role: str, block: Any) -> tuple[str, str] | None:
    if "text" in block:
        who = "user" if role == "user" else "assistant"
        return f"{who}: {_short(block['text'])}", "cyan" if role == "user" else ""
    if "toolUse" in block:
        use = block["toolUse"]
        arguments = ", ".join(f"{k}={v!r}" for k, v in (use.get("input") or {}).items())
        return f"tool call: {use.get('name')}({_short(arguments)})", "magenta"
    if "toolResult" in block:
        result = block["toolResult"]
        texts = [c.get("text", "") for c in result.get("content", []) if isinstance(c, dict)]
        return f"tool result ({result.get('status')}): {_short(' '.join(texts))}", "magenta"
    return None


def new_session_id() -> str:
    """``demo-<UTC time>-<4 random hex>``: sortable and unique."""
    return f"{SESSION_PREFIX}{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _agent(
    manager: MongoDBSessionManager, part: Part, spec: ModelSpec, script: Sequence[Any], latency: int
) -> Agent:
    tools: list[Any] = [calculator]
    if part.uses_metadata_tool:
        tools.append(manager.get_metadata_tool())
    model = resolve_model(spec, script, latency_ms=latency, simulate_latency=latency > 0)
    return Agent(
        model=model,
        agent_id=part.agent_id,
        name=part.agent_id,
        system_prompt=part.system_prompt,
        tools=tools,
        session_manager=manager,
        hooks=[CardNumberGuardrail(manager)],
        callback_handler=None,
    )


def _play(
    report: Reporter,
    manager: MongoDBSessionManager,
    part: Part,
    spec: ModelSpec,
    latency: int,
    result: DemoResult,
) -> None:
    script = [item for turn in part.turns for item in turn.script]
    agent = _agent(manager, part, spec, script, latency)
    for number, turn in enumerate(part.turns, 1):
        before = len(agent.messages)
        with report.step(f"{part.agent_id} agent, turn {number}/{len(part.turns)}"):
            agent(turn.prompt)
        report.messages(part.agent_id, agent.messages[before:])
        if turn.feedback is not None:
            message_id = manager.latest_message_id(part.agent_id)
            rating, comment = turn.feedback
            manager.add_feedback(
                {
                    "rating": rating,
                    "comment": comment,
                    "agent_id": part.agent_id,
                    "message_id": message_id,
                }
            )
            result.feedback_message_ids.append(message_id if message_id is not None else -1)
            report.note(f"    feedback: {rating} on message #{message_id} ({comment})", "yellow")
    result.stored_messages += len(agent.messages)


def _count_demo_sessions(factory: MongoDBSessionManagerFactory, database: str, coll: str) -> int:
    async def count() -> int:
        store = factory.repository.store.with_settings(database_name=database, collection_name=coll)
        # An anchored prefix: MongoDB answers it from the _id index.
        return await store.count({"_id": {"$regex": f"^{SESSION_PREFIX}"}})

    return factory.pool.run(count())


def run_conversation(
    report: Reporter, db: DatabaseHandle, options: DemoOptions, spec: ModelSpec
) -> tuple[DemoResult, MongoDBSessionManagerFactory, MongoDBSessionManager]:
    """Everything but the viewer; returns the result and the resumed manager (still open)."""
    session_id = options.session_id or new_session_id()
    result = DemoResult(session_id=session_id, database=db)
    latency = options.latency_ms if spec.offline else 0
    store = (db.uri, options.database, options.collection)

    with report.step("Connecting (one pool per process; indexes created once)"):
        factory = MongoDBSessionManagerFactory(
            *store, application_name=APPLICATION_NAME, metadata_fields=["customer.id"]
        )
    try:
        with factory.pool.command_stats.capture() as result.conversation_traffic:
            manager = factory.create_session_manager(session_id)
            report.note(f"  Session {session_id}", "bold")
            _play(report, manager, SUPPORT, spec, latency, result)
            _play(report, manager, BILLING, spec, latency, result)
            with report.step("Application sets metadata"):
                manager.update_metadata(APP_METADATA)
        manager.close()
    finally:
        factory.close()  # the next manager starts from nothing, as another process would

    with report.step("A fresh manager on a new connection resumes the session"):
        factory = MongoDBSessionManagerFactory(
            *store, application_name=APPLICATION_NAME, ensure_indexes=False
        )
        with factory.pool.command_stats.capture() as result.resume_traffic:
            resumed_manager = factory.create_session_manager(session_id)
            resumed = _agent(resumed_manager, SUPPORT, spec, RESUME.script, latency)
    result.restored_messages = len(resumed.messages)
    redacted = any(
        REPLACEMENT in block.get("text", "")
        for message in resumed.messages
        for block in message["content"]
    )
    report.note(
        f"    {SUPPORT_AGENT}: {result.restored_messages} messages restored from MongoDB; "
        f"card number {'still redacted' if redacted else 'NOT redacted'}",
        "green" if redacted else "red",
    )
    before = len(resumed.messages)
    with report.step(f"{SUPPORT_AGENT} agent continues after the restart"):
        resumed(RESUME.prompt)
    report.messages(SUPPORT_AGENT, resumed.messages[before:])
    result.demo_sessions = _count_demo_sessions(factory, options.database, options.collection)
    return result, factory, resumed_manager


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def traffic_line(result: DemoResult) -> str:
    """Round trips and bytes of the conversation and of the resume, in a sentence."""
    talk, resume = result.conversation_traffic, result.resume_traffic
    return (
        f"MongoDB traffic: the first part ({result.stored_messages} messages, 2 agents, "
        f"metadata, feedback, a redaction) took {talk.writes} writes and {talk.reads} read(s), "
        f"{_kb(talk.bytes_sent)} sent: one write per message, none for an unchanged agent. "
        f"Resuming on a new connection took {resume.reads} reads "
        f"({_kb(resume.bytes_received)} received)."
    )


def run_demo(options: DemoOptions, console: Console | None = None) -> DemoResult:
    """Run the demo; serve the viewer afterwards unless ``options.viewer`` is false.

    Raises:
        ModelUnavailableError: The model spec cannot be used here.
        LocalServerUnavailableError: No ``MONGODB_URI`` and the embedded server cannot run.
    """
    if console is None:
        console = Console()
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console.width = PIPE_WIDTH
    spec = parse_model_spec(options.model)
    if not spec.offline:
        resolve_model(spec)  # missing credentials: say so before touching any data
    console.rule("mongodb-session-manager demo")
    with open_database(options.data_dir, options.uri, command="msm demo") as db:
        console.print(Text(f"Database: {db.describe()}"))
        console.print(
            Text(f"Model:    {spec}" + (" (offline, no API key)" if spec.offline else ""))
        )
        with Reporter(console) as report:
            result, factory, manager = run_conversation(report, db, options, spec)
        try:
            summary = manager.get_metrics_summary()
            feedbacks = manager.get_feedbacks()
            metadata = manager.get_session_metadata().model_dump()
        finally:
            manager.close()
            factory.close()
        console.rule(f"What MongoDB holds for {result.session_id}")
        print_summary(console, summary, feedbacks, metadata)
        console.print(Text(traffic_line(result)))
        where = f"in {db.path}" if db.path is not None else f"in {options.database}"
        console.print(
            Text(
                f"{result.demo_sessions} demo session(s) stored {where} "
                f"({options.database}.{options.collection}); each run adds one and "
                "keeps the others."
            )
        )
        if options.viewer:
            served = serve_viewer(
                db.uri,
                options.database,
                options.collection,
                host=options.viewer_host,
                port=options.viewer_port,
                token=options.viewer_token,
                session_id=result.session_id,
                console=console,
            )
            if not served:
                console.print(Text("Stopping after the summary (no viewer to serve)."))
        else:
            console.print(
                Text(
                    "Browse them in the session viewer: run msm demo without --no-viewer, "
                    "or msm viewer with the same --uri / --data-dir (it finds this database)."
                )
            )
    return result
