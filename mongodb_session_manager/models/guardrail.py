"""Guardrail constants shared by the manager, the viewer and applications."""

from __future__ import annotations

GUARDRAIL_STOP_REASONS: frozenset[str] = frozenset({"guardrail_intervened", "content_filtered"})
"""Strands stop reasons that mean a guardrail acted on a model response (the
reference library's constant: ``if result.stop_reason in GUARDRAIL_STOP_REASONS``)."""
