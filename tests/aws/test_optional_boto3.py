"""Without boto3 the library imports and works; building an AWS hook says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_library_works_without_boto3_and_the_factories_say_what_to_install() -> None:
    script = textwrap.dedent(
        """
        import builtins, sys

        # 1. Importing the library must not import boto3 / botocore from its own code
        #    (strands-agents, a dependency, imports boto3 itself).
        real_import = builtins.__import__
        importers = set()

        def spy(name, globals=None, *args, **kwargs):
            if name.split(".")[0] in ("boto3", "botocore"):
                caller = (globals or {}).get("__name__", "")
                if caller.startswith("mongodb_session_manager"):
                    importers.add(caller)
            return real_import(name, globals, *args, **kwargs)

        builtins.__import__ = spy
        import mongodb_session_manager as msm
        for name in msm.__all__:  # the facade imports on first use: load every public name
            getattr(msm, name)
        builtins.__import__ = real_import
        print("importers", sorted(importers))

        # 2. Then boto3 becomes unimportable, as it would be without the [aws] extra.
        for name in [n for n in sys.modules if n == "boto3" or n.startswith("boto3.")]:
            del sys.modules[name]
        sys.modules["boto3"] = None  # import boto3 -> ImportError

        assert not msm.is_feedback_sns_hook_available()
        assert not msm.is_metadata_sqs_hook_available()
        assert not msm.is_metadata_websocket_hook_available()
        for build, argument in (
            (msm.create_feedback_sns_hook, "arn:aws:sns:eu-west-1:123456789012:t"),
            (msm.create_metadata_sqs_hook, "https://sqs.eu-west-1.amazonaws.com/1/q"),
            (msm.create_metadata_websocket_hook, "https://a.execute-api.eu-west-1.amazonaws.com/p"),
        ):
            try:
                build(argument)
            except ImportError as exc:
                assert isinstance(exc, msm.OptionalDependencyError), type(exc)
                print(exc)
            else:
                raise AssertionError("built without boto3")
        print(msm.compose_hooks()(lambda feedback: "stored", "add", "s", feedback={}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    install = "needs boto3, which is not installed: pip install 'mongodb-session-manager[aws]'"
    assert done.stdout.splitlines() == [
        "importers []",
        f"FeedbackSNSHook {install}",
        f"MetadataSQSHook {install}",
        f"MetadataWebSocketHook {install}",
        "stored",
    ]
