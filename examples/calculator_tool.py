"""An agent with a calculator tool: the conversation, the tool calls and their results are stored.

A second manager (another request, another process) resumes the conversation,
and the session's metrics say how the tool was used.

Runs offline (embedded database, scripted model) unless MONGODB_URI / MSM_MODEL are set::

    uv run python examples/calculator_tool.py
"""

from __future__ import annotations

from _support import database, model
from strands import Agent, tool

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.demo.tools import evaluate, format_number

DATABASE = "examples"
SESSION = "calculator-example"
SYSTEM_PROMPT = "You are a precise assistant. Use the calculator for every calculation."


@tool
def calculator(expression: str) -> str:
    """Compute an arithmetic expression exactly, e.g. "240 * 15 / 100".

    Args:
        expression: Numbers, parentheses and + - * / // % ** only.
    """
    # A parser, never eval(): the expression is written by a language model.
    return format_number(evaluate(expression))


QUESTIONS = [
    (
        "What is 15% of 240?",
        [{"tool": "calculator", "input": {"expression": "240 * 15 / 100"}}, "15% of 240 is 36."],
    ),
    (
        "And if I split that between 4 people?",
        [{"tool": "calculator", "input": {"expression": "36 / 4"}}, "Each person pays 9."],
    ),
]


def show(agent: Agent, start: int) -> None:
    for message in agent.messages[start:]:
        for block in message["content"]:
            if "text" in block:
                print(f"  {message['role']}: {block['text']}")
            elif "toolUse" in block:
                use = block["toolUse"]
                print(f"  tool call: {use['name']}({use['input']})")
            elif "toolResult" in block:
                print(f"  tool result: {block['toolResult']['content'][0].get('text')}")


def main() -> None:
    with database() as uri:
        MongoDBSessionManager(SESSION, uri, DATABASE).repository.delete_session(SESSION)

        print("1. A conversation with tool calls")
        manager = MongoDBSessionManager(SESSION, uri, DATABASE)
        agent = Agent(
            model=model([item for _, script in QUESTIONS for item in script]),
            tools=[calculator],
            system_prompt=SYSTEM_PROMPT,
            session_manager=manager,
            callback_handler=None,
        )
        for question, _ in QUESTIONS:
            start = len(agent.messages)
            agent(question)
            show(agent, start)
        manager.close()

        print("2. Another manager resumes it")
        resumed_manager = MongoDBSessionManager(SESSION, uri, DATABASE)
        resumed = Agent(
            model=model(["You asked about 15% of 240 (36), split between 4 people (9 each)."]),
            tools=[calculator],
            system_prompt=SYSTEM_PROMPT,
            session_manager=resumed_manager,
            callback_handler=None,
        )
        print(f"  restored {len(resumed.messages)} messages")
        start = len(resumed.messages)
        resumed("What did I ask you so far?")
        show(resumed, start)

        print("3. What the session's metrics say")
        summary = resumed_manager.get_metrics_summary()
        stats = summary.tools["calculator"]
        print(
            f"  calculator: {stats.calls} calls, {stats.successes} ok, {stats.errors} errors, "
            f"{stats.average_time_ms:.1f} ms on average"
        )
        totals = summary.totals
        print(
            f"  session: {totals.messages} messages, {totals.model_calls} model calls, "
            f"{totals.total_tokens} tokens"
        )
        resumed_manager.close()


if __name__ == "__main__":
    main()
