"""Agent configuration: model id, system prompt and prompt metadata, stored per agent.

Each agent's model id and system prompt are captured as it runs. An application
can read them (``get_agent_config``), change the stored ones for the next run
(``update_agent_config``, e.g. a prompt experiment), list a session's agents,
and restore an agent with the configuration it last ran with.

Offline by default (embedded database, scripted model)::

    uv run python examples/agent_config.py
"""

from __future__ import annotations

from _support import database, model
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager

DATABASE = "examples"
SESSION = "agent-config-example"
PROMPTS = {
    "triage": "You route each request to the right team. Answer with the team name.",
    "billing": "You are a billing specialist. Be precise and brief.",
}


def main() -> None:
    with database() as uri:
        MongoDBSessionManager(SESSION, uri, DATABASE).repository.delete_session(SESSION)

        print("1. Two agents run in one session; their configuration is captured")
        manager = MongoDBSessionManager(SESSION, uri, DATABASE)
        for agent_id, reply in (("triage", "billing"), ("billing", "Your invoice is 42 EUR.")):
            agent = Agent(
                model=model([reply], model_id=f"scripted-{agent_id}-v1"),
                agent_id=agent_id,
                system_prompt=PROMPTS[agent_id],
                session_manager=manager,
                callback_handler=None,
            )
            agent("Why is my invoice higher this month?")
        for config in (manager.get_agent_config("triage"), manager.get_agent_config("billing")):
            assert config is not None
            model_id, prompt = config["model"], config["system_prompt"]
            print(f"  {config['agent_id']}: model={model_id} prompt={prompt!r}")

        print("2. The application changes the stored configuration (a prompt experiment)")
        manager.update_agent_config(
            "billing",
            system_prompt="You are a billing specialist. Explain every amount.",
            prompt_metadata={"experiment": "explain-amounts", "variant": "B"},
        )
        config = manager.get_agent_config("billing")
        assert config is not None
        print(f"  billing: prompt={config['system_prompt']!r}")
        print(f"  billing: prompt_metadata={config['prompt_metadata']}")

        print("3. Listing agents reads no message")
        for listed in manager.list_agents():
            print(
                f"  {listed['agent_id']}: {listed['message_count']} messages, "
                f"model {listed['model']}, prompt_metadata={listed['prompt_metadata']}"
            )
        manager.close()

        print("4. The next run starts the agent with the stored configuration")
        manager = MongoDBSessionManager(SESSION, uri, DATABASE)
        stored = manager.get_agent_config("billing")
        assert stored is not None
        billing = Agent(
            model=model(
                ["The 42 EUR are 35 EUR of seats plus 7 EUR of VAT."],
                model_id="scripted-billing-v2",  # a model upgrade: recorded on the next write
            ),
            agent_id="billing",
            system_prompt=stored["system_prompt"],
            session_manager=manager,
            callback_handler=None,
        )
        print(f"  restored {len(billing.messages)} messages; prompt {billing.system_prompt!r}")
        print(f"  agent: {str(billing('Break it down, please.')).strip()}")
        after = manager.get_agent_config("billing")
        assert after is not None
        print(f"  after the run: model={after['model']} prompt_metadata={after['prompt_metadata']}")
        print(f"  billing now has {manager.get_message_count('billing')} messages")
        manager.close()


if __name__ == "__main__":
    main()
