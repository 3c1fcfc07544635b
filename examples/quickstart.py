"""Quickstart: the README's 30-second quickstart, exactly (a test checks they match).

An agent talks, is persisted in MongoDB, and a new manager resumes it. Offline:
start ``msm local-db`` first (or set MONGODB_URI), then::

    uv run python examples/quickstart.py
"""

import os

from strands import Agent

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.testing import ScriptedModel

# `msm local-db` listens here; set MONGODB_URI to use your own MongoDB.
uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")

# An offline model that answers from a script. For a real model, drop `model=`
# (Strands then uses Amazon Bedrock: it needs AWS credentials) or pass any Strands model.
model = ScriptedModel(["Hello Ana! How can I help?", "You told me: your name is Ana."])

manager = MongoDBSessionManager("user-42-chat", uri, "my_app")
agent = Agent(model=model, session_manager=manager, callback_handler=None)
agent("Hi, I'm Ana.")  # stored as it happens
manager.close()

# ... later, in another process: a new manager on the same session id resumes it.
manager = MongoDBSessionManager("user-42-chat", uri, "my_app")
agent = Agent(model=model, session_manager=manager, callback_handler=None)
print(f"{len(agent.messages)} messages restored from MongoDB")
print(agent("What's my name?"))  # the conversation is back
manager.close()
