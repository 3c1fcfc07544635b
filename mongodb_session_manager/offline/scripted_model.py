"""An offline, deterministic Strands model provider driven by a script.

:class:`ScriptedModel` plays back a list of canned assistant turns through the
real Strands streaming protocol (Bedrock ConverseStream-shaped events), so an
ordinary :class:`strands.Agent` runs its full event loop -- tool execution,
message bookkeeping, usage metrics, session persistence hooks -- without any
network access or credentials.

Example:
    >>> from strands import Agent
    >>> from mongodb_session_manager.offline import ScriptedModel
    >>> model = ScriptedModel(["Hello!", {"tool": "calculator", "input": {"expr": "2+2"}}, "4"])
    >>> agent = Agent(model=model, callback_handler=None)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel
from strands.models.model import BaseModelConfig, Model
from strands.types.content import Messages, SystemContentBlock
from strands.types.event_loop import StopReason, Usage
from strands.types.streaming import StreamEvent
from strands.types.tools import ToolChoice, ToolSpec

from mongodb_session_manager.offline.script import (
    ScriptItem,
    Turn,
    block_chars,
    estimate_tokens,
    parse_item,
)
from mongodb_session_manager.offline.stream import content_events, delays, reported_metrics

if TYPE_CHECKING:
    from strands.agent.agent_metadata import AgentMetadata

__all__ = ["ScriptItem", "ScriptedModel", "ScriptedModelConfig"]

T = TypeVar("T", bound=BaseModel)


class ScriptedModelConfig(BaseModelConfig, total=False):
    """Configuration of a :class:`ScriptedModel`.

    Attributes:
        model_id: Identifier reported to Strands (telemetry, ``agent.model.config``).
        chunk_size: Number of characters per streamed ``contentBlockDelta``.
        latency_ms: Fixed latency reported in usage metrics; ``None`` measures wall time.
        simulate_latency: When true (and ``latency_ms`` is set) actually sleep for that
            long while streaming, spread across the chunks.
        echo_prefix: Prefix of the fallback reply once the script is exhausted.
    """

    model_id: str
    chunk_size: int
    latency_ms: int | None
    simulate_latency: bool
    echo_prefix: str


_CONFIG_KEYS = frozenset(
    {
        "model_id",
        "chunk_size",
        "latency_ms",
        "simulate_latency",
        "echo_prefix",
        "context_window_limit",
    }
)


class ScriptedModel(Model):
    """Offline Strands model that replays a script of assistant turns.

    Each model call consumes one script item (see :data:`ScriptItem`). A string
    item streams that text and stops with ``end_turn``; a tool item streams a
    ``toolUse`` block and stops with ``tool_use`` -- Strands then runs the tool
    and calls the model again, which consumes the next item. Once the script is
    exhausted the model echoes the last user text (``"You said: <text>"``).

    Every response ends with a ``metadata`` event carrying provider-like usage
    (``~chars / 4`` token estimates) and metrics, so ``agent.event_loop_metrics``
    and ``message["metadata"]`` are populated exactly as with a real provider.

    The script cursor is guarded by a lock, so one instance may be shared by
    agents running on several threads; items are handed out in call order.

    Attributes:
        config: The model configuration (a plain dict; ``config["model_id"]`` is
            always set, as Strands' own providers do).
        calls: Number of model calls (``stream`` and ``structured_output``) so far.
    """

    def __init__(
        self,
        script: Sequence[ScriptItem] | None = None,
        *,
        model_id: str = "scripted-model",
        chunk_size: int = 8,
        latency_ms: int | None = None,
        simulate_latency: bool = False,
        echo_prefix: str = "You said: ",
        context_window_limit: int | None = None,
    ) -> None:
        """Create a scripted model.

        Args:
            script: Assistant turns to play back, one per model call.
            model_id: Identifier exposed as ``config["model_id"]``.
            chunk_size: Characters per streamed text / tool-input delta (>= 1).
            latency_ms: Fixed ``latencyMs`` to report (TTFB is a fixed 25% of it);
                ``None`` reports measured wall time instead.
            simulate_latency: Actually wait ``latency_ms`` while streaming.
            echo_prefix: Prefix of the echo reply used after the script runs out.
            context_window_limit: Optional context window reported to Strands.

        Raises:
            TypeError: If a script item is malformed.
            ValueError: If ``chunk_size`` or ``latency_ms`` is out of range.
        """
        self._lock = threading.Lock()
        self._turns: list[Turn] = [parse_item(item, i) for i, item in enumerate(script or [])]
        self._cursor = 0
        self.calls = 0
        self.config: ScriptedModelConfig = {
            "model_id": model_id,
            "chunk_size": chunk_size,
            "latency_ms": latency_ms,
            "simulate_latency": simulate_latency,
            "echo_prefix": echo_prefix,
        }
        if context_window_limit is not None:
            self.config["context_window_limit"] = context_window_limit
        self._validate_config(self.config)

    @staticmethod
    def _validate_config(config: Mapping[str, Any]) -> None:
        """Check value ranges of known configuration keys.

        Args:
            config: Configuration values to check.

        Raises:
            ValueError: If a value is out of range.
        """
        chunk_size = config.get("chunk_size", 1)
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        latency_ms = config.get("latency_ms")
        if latency_ms is not None and (not isinstance(latency_ms, int) or latency_ms < 0):
            raise ValueError(f"latency_ms must be a non-negative int or None, got {latency_ms!r}")

    def update_config(self, **model_config: Any) -> None:
        """Update the model configuration.

        Unknown keys are stored but trigger a warning, mirroring Strands' providers.

        Args:
            **model_config: Configuration overrides (see :class:`ScriptedModelConfig`).

        Raises:
            ValueError: If ``chunk_size`` or ``latency_ms`` is out of range.
        """
        unknown = set(model_config) - _CONFIG_KEYS
        if unknown:
            warnings.warn(
                f"Invalid configuration parameters: {sorted(unknown)}."
                f"\nValid parameters are: {sorted(_CONFIG_KEYS)}.",
                UserWarning,
                stacklevel=2,
            )
        self._validate_config(model_config)
        with self._lock:
            cast(dict[str, Any], self.config).update(model_config)

    def get_config(self) -> ScriptedModelConfig:
        """Return the model configuration.

        Returns:
            The live configuration dict (always contains ``model_id``).
        """
        return self.config

    def reset(self) -> None:
        """Rewind the script to its first item and zero :attr:`calls`."""
        with self._lock:
            self._cursor = 0
            self.calls = 0

    def extend(self, items: Sequence[ScriptItem]) -> None:
        """Append further turns to the script.

        Args:
            items: Script items to add after the existing ones.

        Raises:
            TypeError: If an item is malformed.
        """
        with self._lock:
            start = len(self._turns)
            self._turns.extend(parse_item(item, start + i) for i, item in enumerate(items))

    @property
    def remaining(self) -> int:
        """Number of script items not consumed yet."""
        with self._lock:
            return len(self._turns) - self._cursor

    def _next_turn(self) -> Turn | None:
        """Atomically count a call and take the next script item.

        Returns:
            The next turn, or ``None`` once the script is exhausted.
        """
        with self._lock:
            self.calls += 1
            if self._cursor >= len(self._turns):
                return None
            turn = self._turns[self._cursor]
            self._cursor += 1
            return turn

    @staticmethod
    def _last_user_text(messages: Messages) -> str:
        """Find the text of the most recent user message that has text blocks.

        Messages holding only ``toolResult`` blocks are skipped.

        Args:
            messages: The conversation sent to the model.

        Returns:
            The joined text blocks, or an empty string if there are none.
        """
        for message in reversed(messages):
            if message.get("role") != "user":
                continue
            texts = [block["text"] for block in message.get("content", []) if "text" in block]
            if texts:
                return "\n".join(texts)
        return ""

    @staticmethod
    def _input_chars(
        messages: Messages,
        system_prompt: str | None,
        system_prompt_content: list[SystemContentBlock] | None,
    ) -> int:
        """Count prompt characters: all message blocks plus the system prompt.

        Args:
            messages: The conversation sent to the model.
            system_prompt: Plain system prompt.
            system_prompt_content: Structured system prompt (preferred when given).

        Returns:
            The character count.
        """
        chars = 0
        if system_prompt_content:
            chars += sum(len(block.get("text", "")) for block in system_prompt_content)
        elif system_prompt:
            chars += len(system_prompt)
        for message in messages:
            for block in message.get("content", []):
                chars += block_chars(cast(Mapping[str, Any], block))
        return chars

    async def stream(
        self,
        messages: Messages,
        tool_specs: list[ToolSpec] | None = None,
        system_prompt: str | None = None,
        *,
        tool_choice: ToolChoice | None = None,
        system_prompt_content: list[SystemContentBlock] | None = None,
        invocation_state: dict[str, Any] | None = None,
        cancel_signal: threading.Event | None = None,
        agent_metadata: AgentMetadata | None = None,
        structured_output_model: type[BaseModel] | None = None,
        **kwargs: Any,
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream the next scripted turn as Bedrock-style events.

        Args:
            messages: Conversation so far (used for the echo fallback and usage).
            tool_specs: Available tools (ignored; the script decides).
            system_prompt: System prompt (counted towards input tokens).
            tool_choice: Tool selection strategy (ignored).
            system_prompt_content: Structured system prompt (counted when given).
            invocation_state: Caller state (ignored).
            cancel_signal: When set, streaming stops between chunks without a
                ``messageStop``, as an aborted provider request would.
            agent_metadata: Invoking agent identity (ignored).
            structured_output_model: Structured output model (ignored; script a
                ``{"tool": <ModelClassName>, "input": {...}}`` item instead).
            **kwargs: Extra provider arguments such as ``model_state`` (ignored).

        Yields:
            ``messageStart``, content block events, ``messageStop`` and ``metadata``.
        """
        started = time.perf_counter()
        first_byte: float | None = None
        latency_ms = self.config.get("latency_ms")
        simulate = bool(self.config.get("simulate_latency")) and latency_ms is not None

        turn = self._next_turn()
        if turn is None:
            prefix = self.config.get("echo_prefix", "You said: ")
            turn = Turn(text=f"{prefix}{self._last_user_text(messages)}")

        # Built up front so simulated latency can be spread evenly over the events.
        events, output_chars = content_events(turn, self.config.get("chunk_size", 8))
        stop_reason: StopReason = "tool_use" if turn.tool_calls else "end_turn"
        ttfb_delay, per_event_delay = delays(latency_ms if simulate else None, len(events))

        yield {"messageStart": {"role": "assistant"}}
        if ttfb_delay:
            await asyncio.sleep(ttfb_delay)
        for event in events:
            if cancel_signal is not None and cancel_signal.is_set():
                return
            if first_byte is None:
                first_byte = time.perf_counter()
            yield event
            if per_event_delay:
                await asyncio.sleep(per_event_delay)
        yield {"messageStop": {"stopReason": stop_reason}}

        input_tokens = estimate_tokens(
            self._input_chars(messages, system_prompt, system_prompt_content)
        )
        output_tokens = estimate_tokens(output_chars)
        usage: Usage = {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        }
        yield {
            "metadata": {
                "usage": usage,
                "metrics": reported_metrics(latency_ms, started, first_byte),
            }
        }

    async def structured_output(
        self,
        output_model: type[T],
        prompt: Messages,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncGenerator[dict[str, T | Any], None]:
        """Produce structured output from the next script item.

        Used by the deprecated ``Agent.structured_output()`` path. A tool item's
        ``input`` (the first call's) is validated against ``output_model``; a
        string item is parsed as JSON. The modern path,
        ``agent(prompt, structured_output_model=M)``, goes through :meth:`stream`
        instead: script ``{"tool": "M", "input": {...}}`` for it.

        Args:
            output_model: Pydantic model to validate against.
            prompt: Conversation messages (unused).
            system_prompt: System prompt (unused).
            **kwargs: Ignored.

        Yields:
            A single ``{"output": instance}`` event.

        Raises:
            ValueError: If the script is exhausted or the item does not validate.
        """
        turn = self._next_turn()
        if turn is None:
            raise ValueError(
                f"ScriptedModel script is exhausted: add a script item (a JSON string or "
                f'{{"tool": "{output_model.__name__}", "input": {{...}}}}) for structured_output'
            )
        try:
            if turn.tool_calls:
                instance = output_model.model_validate(turn.tool_calls[0].input)
            else:
                instance = output_model.model_validate_json(turn.text)
        except Exception as exc:
            raise ValueError(
                f"scripted item does not validate as {output_model.__name__}: {exc}"
            ) from exc
        yield {"output": instance}
