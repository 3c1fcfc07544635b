"""Response models of the viewer API, built on the library's own models.

Usage, metrics, totals and feedback are the very classes the manager writes
(:mod:`mongodb_session_manager.models`), so the API, the manager and the
migrations share one schema. :class:`AgentView` is :class:`AgentRecord` without
its messages (a test keeps the two in step).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models import (
    Feedback,
    MessageMetrics,
    MessageUsage,
    Totals,
    UtcDatetime,
)
from mongodb_session_manager.models.blob_links import BlobLink as BlobLink
from mongodb_session_manager.models.content import (
    Block as Block,
)
from mongodb_session_manager.models.content import (
    DocumentBlock as DocumentBlock,
)
from mongodb_session_manager.models.content import (
    ImageBlock as ImageBlock,
)
from mongodb_session_manager.models.content import (
    JsonBlock as JsonBlock,
)
from mongodb_session_manager.models.content import (
    OtherBlock as OtherBlock,
)
from mongodb_session_manager.models.content import (
    ReasoningBlock as ReasoningBlock,
)
from mongodb_session_manager.models.content import (
    ResultContent as ResultContent,
)
from mongodb_session_manager.models.content import (
    TextBlock as TextBlock,
)
from mongodb_session_manager.models.content import (
    ToolResultBlock as ToolResultBlock,
)
from mongodb_session_manager.models.content import (
    ToolUseBlock as ToolUseBlock,
)

# Content blocks are the library's typed reading of Strands content (models/content.py).
# ------------------------------------------------------------------ sessions


class AgentBrief(BaseModel):
    """An agent as a result row shows it."""

    agent_id: str
    model: str | None = None
    message_count: int = 0


class SessionRow(BaseModel):
    """One search result: header, counts, totals and a preview; no message arrays read."""

    session_id: str
    application_name: str | None = None
    session_type: str | None = None
    schema_version: int | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    totals: Totals = Field(default_factory=Totals)
    agent_count: int = 0
    message_count: int = 0
    feedback_count: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    guardrail_count: int = 0
    """Guardrail events recorded on the session (``guardrail_events``)."""
    size_bytes: int | None = None
    agents: list[AgentBrief] = Field(default_factory=list)
    preview: str = ""
    preview_redacted: bool = False


class SessionPage(BaseModel):
    """A page of search results."""

    items: list[SessionRow]
    total: int
    offset: int
    limit: int
    sort: str


class AgentView(BaseModel):
    """An agent's configuration, counters and state (:class:`AgentRecord` without messages)."""

    model_config = ConfigDict(extra="ignore")

    agent_id: str
    model: str | None = None
    system_prompt: str | None = None
    prompt_metadata: dict[str, Any] | None = None
    message_count: int = 0
    totals: Totals = Field(default_factory=Totals)
    state: dict[str, Any] = Field(default_factory=dict)
    conversation_manager_state: dict[str, Any] = Field(default_factory=dict)
    internal_state: dict[str, Any] = Field(default_factory=dict)
    state_bytes: int = 0
    incarnation: str | None = None
    paged_count: int = 0
    """Messages ``0 .. paged_count - 1`` are in pages (the timeline reads them there)."""
    page_count: int = 0
    recent_bytes: int = 0
    rev: int = 0
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class MultiAgentView(BaseModel):
    """A Graph / Swarm stored in the session (its state is not sent)."""

    multi_agent_id: str
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class FeedbackView(Feedback):
    """A stored feedback and its position in the session's feedback list."""

    model_config = ConfigDict(extra="ignore")

    index: int
    comment: str = ""  # no length check on read: show what is stored


class SessionDetail(BaseModel):
    """The session header, agents, metadata, feedbacks and totals."""

    session_id: str
    application_name: str | None = None
    session_type: str | None = None
    schema_version: int | None = None
    schema_current: bool = True
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    totals: Totals = Field(default_factory=Totals)
    size_bytes: int | None = None
    agents: list[AgentView] = Field(default_factory=list)
    multi_agents: list[MultiAgentView] = Field(default_factory=list)
    feedbacks: list[FeedbackView] = Field(default_factory=list)
    guardrail_count: int = 0


# ------------------------------------------------------------------ timeline


class GuardrailView(BaseModel):
    """What a guardrail did to a message (the trace itself is not sent: it may quote it)."""

    action: str = "BLOCKED"
    timestamp: UtcDatetime | None = None
    stop_reason: str | None = None
    policies_triggered: dict[str, list[str]] = Field(default_factory=dict)


class TimelineMessage(BaseModel):
    """One message of one agent, as the timeline shows it.

    A redacted message carries the redaction's content only (``redacted`` true);
    the original content is never sent. ``blobs``: the values of the content shown
    that are stored out of line (download links; the blocks holding them carry the
    same ``blob_url``), never their bytes.
    """

    kind: Literal["message"] = "message"
    agent_id: str
    message_id: int
    role: str
    created_at: UtcDatetime | None = None
    redacted: bool = False
    blocks: list[Block] = Field(default_factory=list)
    blobs: list[BlobLink] = Field(default_factory=list)
    usage: MessageUsage | None = None
    metrics: MessageMetrics | None = None
    tracking_id: str | None = None
    guardrail: GuardrailView | None = None


class TimelineFeedback(FeedbackView):
    """A feedback card placed in the timeline."""

    kind: Literal["feedback"] = "feedback"


TimelineItem = Annotated[TimelineMessage | TimelineFeedback, Field(discriminator="kind")]


class TimelinePage(BaseModel):
    """A page of the session's single, stable-ordered timeline."""

    session_id: str
    items: list[TimelineItem]
    total: int
    """Messages of every agent plus feedbacks."""
    next_cursor: str | None = None
    """Pass as ``cursor`` for the next page; ``None`` at the end."""


# ------------------------------------------------------------------ metrics


class CallPoint(BaseModel):
    """Usage and latency of one model call, in conversation order."""

    seq: int
    agent_id: str
    message_id: int
    created_at: UtcDatetime | None = None
    usage: MessageUsage
    metrics: MessageMetrics


# Not features.metrics.AgentMetrics (the manager's usage summary). The docstring is the
# OpenAPI description and __qualname__ its component name: both stay as published.
class AgentMetricsView(BaseModel):
    """An agent's model and running totals."""

    __qualname__ = "AgentMetrics"  # the OpenAPI component name clients already know
    model_config = ConfigDict(title="AgentMetrics")

    agent_id: str
    model: str | None = None
    totals: Totals = Field(default_factory=Totals)


class SessionMetrics(BaseModel):
    """Per-call figures for the metrics charts (no message content is read)."""

    session_id: str
    totals: Totals
    agents: list[AgentMetricsView]
    calls: list[CallPoint]


AgentMetrics = AgentMetricsView
"""The old name of :class:`AgentMetricsView` (kept importable)."""

# ------------------------------------------------------------------ fields, health, config

FieldType = Literal["string", "number", "boolean", "date", "enum"]


class MetadataField(BaseModel):
    """A metadata field the search can filter on."""

    name: str
    """Dotted path below ``metadata``."""
    type: FieldType
    values: list[str] | None = None
    """The values seen, for ``enum`` fields."""
    indexed: bool = False
    seen: int = 0
    """In how many sampled sessions the field was present."""
    operators: list[str]
    """Filter operators this type accepts (``eq``, ``prefix``, ``gte``, ``lte``)."""


class MetadataFields(BaseModel):
    """Filterable metadata fields, plus values of the other typed filters."""

    fields: list[MetadataField]
    application_names: list[str]
    models: list[str]
    sampled: int
    cached_seconds: float


class HealthStatus(BaseModel):
    """What ``/health`` tells anyone: up or down, nothing else."""

    status: Literal["ok", "unavailable"]


class Health(BaseModel):
    """Database reachability and pool figures (``/api/v1/health``, behind the token)."""

    status: Literal["ok", "unavailable"]
    database_reachable: bool
    latency_ms: float | None = None
    error: str | None = None
    version: str
    pool: dict[str, Any]


class ViewerConfig(BaseModel):
    """What the page needs to know about this viewer."""

    version: str
    database: str
    collection: str
    allow_delete: bool
    auth: bool
    page_size: int
    max_page_size: int
    timeline_page_size: int
    session_scope: str | None = None
    """The one session a session password opened (read-only); ``None`` for the admin token."""
    memory_collection: str | None = None
    """The long-term memory collection the "Memory" view reads."""
    storage_collection: str | None = None
    """The ``MongoDBStorage`` collection the "Snapshots" view reads."""


class Deleted(BaseModel):
    """Result of a deletion."""

    session_id: str
    deleted: bool


class ErrorDetail(BaseModel):
    """One problem with a request."""

    location: list[str | int] = Field(default_factory=list)
    message: str


class ErrorResponse(BaseModel):
    """Every error response: a code, a human message and details."""

    error: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)
