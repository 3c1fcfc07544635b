"""The reference library's import paths for the AWS hooks, and nothing else.

``from mongodb_session_manager.hooks.feedback_sns_hook import create_feedback_hook``
and its two siblings (``metadata_sqs_hook``, ``metadata_websocket_hook``) keep
working for code written against the reference library. Each module only
re-exports names of :mod:`mongodb_session_manager.aws`, where the hooks live;
like it, they import without boto3 (it is needed only to build a hook).

Nothing in this package imports ``hooks``: it exists for users. The word "hook"
means one thing per folder:

* ``aws/``: the AWS hooks themselves (SNS on feedback, SQS and WebSocket on metadata);
* ``hooks/``: this folder, the reference library's import paths to them;
* the manager's plumbing for an application's metadata and feedback hooks
  (running one around an operation, ``compose_hooks`` / ``chain_hooks``), reached
  through :mod:`mongodb_session_manager.features`.
"""
