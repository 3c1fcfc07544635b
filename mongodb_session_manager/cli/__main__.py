"""``python -m mongodb_session_manager.cli``: the same as ``msm``."""

from mongodb_session_manager.cli import main

main()
