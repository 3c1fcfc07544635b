"""The reference implementation's session layout, converted to ours and back.

Reference layout (schema version 0: no ``schema_version`` field)::

    {_id: session_id, session_id, session_type, created_at, updated_at, application_name,
     metadata: {}, feedbacks: [{rating, comment, created_at}], guardrail_events: [],
     agents: {<agent_id>: {agent_data: {agent_id, state, conversation_manager_state,
                                        _internal_state, created_at, updated_at, model,
                                        system_prompt, prompt_metadata},
                           messages: [{message: {role, content}, message_id, redact_message,
                                       created_at, updated_at, event_loop_metrics?}],
                           created_at, updated_at}}}

Our layout (schema version 1) is described in ``docs/architecture.md``. Pure
functions do the conversion: :mod:`.reference_forward` (0 -> 1),
:mod:`.reference_backward` (1 -> 0) and what they share, :mod:`.reference_common`;
this module is their public face. The runner (:mod:`.runner`) reads, writes,
batches and resumes.

What the forward conversion does, and why:

* agents are found wherever ``agent_data`` is: the reference wrote agent ids into
  update paths unchecked, so an id with a ``.`` ended up nested
  (``agents.a.b`` -> ``{"a": {"b": {...}}}``); keys become :func:`storage_key` of
  the real id;
* messages are ordered by their stored ``message_id`` (stable, so the array order
  decides between duplicates two concurrent writers left) and renumbered so that
  ``message_id`` equals the array index; a changed id is kept in ``legacy.message_id``;
* cumulative ``event_loop_metrics`` become per-message figures
  (:mod:`.cumulative_metrics`); the original is kept in ``legacy.event_loop_metrics``;
* dates (BSON dates, naive in the reference's Python, or ISO strings) become aware UTC;
* counters and sizes (``message_count``, ``totals``, ``state_bytes``, ``size_bytes``)
  are computed from the data;
* feedback our model refuses (an unknown rating, an over-long comment) is kept
  verbatim in ``legacy_feedbacks`` rather than dropped or altered;
* unknown fields (``guardrail_events``...) are kept as they are;
* a plain-text ``session_viewer_password`` becomes a scrypt verifier in
  ``viewer_access.legacy`` (the password still opens the session in the viewer)
  and the plain text is dropped: the backward conversion cannot restore it.

The backward conversion rebuilds the reference layout from those fields, so
forward -> backward gives back the original document (dates as BSON dates).
"""

from __future__ import annotations

from mongodb_session_manager.migrations.reference_backward import v1_to_reference
from mongodb_session_manager.migrations.reference_common import (
    add_totals,
    finalize_size,
    iter_legacy_agents,
    message_totals,
    state_bytes,
    to_utc,
)
from mongodb_session_manager.migrations.reference_forward import reference_to_v1

__all__ = [
    "add_totals",
    "finalize_size",
    "iter_legacy_agents",
    "message_totals",
    "reference_to_v1",
    "state_bytes",
    "to_utc",
    "v1_to_reference",
]
