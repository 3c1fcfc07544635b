"""What an install without the dev tools can import (issue 12).

Each check runs in a fresh interpreter where the dev-only packages cannot be
imported (``sys.modules[name] = None`` makes ``import name`` fail), as on a
user's machine that installed the wheel with ``[viewer,local]`` only.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

DEV_ONLY = ("pytest", "_pytest", "hypothesis", "mongomock", "mongomock_motor", "httpx", "moto")


def _run_without_dev_tools(code: str) -> subprocess.CompletedProcess[str]:
    blocker = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in DEV_ONLY)
    return subprocess.run(
        [sys.executable, "-c", blocker + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_scripted_model_imports_without_pytest() -> None:
    result = _run_without_dev_tools(
        """
        from mongodb_session_manager.testing import MongoBackend, ScriptedModel
        assert ScriptedModel(["hi"]) is not None and MongoBackend
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_every_module_the_cli_and_facade_use_imports_without_dev_tools() -> None:
    result = _run_without_dev_tools(
        """
        import importlib, pkgutil
        import mongodb_session_manager as package
        failed = []
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.endswith(("__main__", "testing.pytest_plugin")):
                continue  # __main__ runs the CLI; the plugin is for pytest users
            try:
                importlib.import_module(info.name)
            except Exception as exc:
                failed.append(f"{info.name}: {exc!r}")
        print("\\n".join(failed) or "ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok", result.stdout


def test_the_pytest_plugin_still_offers_its_fixtures() -> None:
    from mongodb_session_manager.testing import pytest_plugin

    assert {"msm_backend", "msm_factory", "msm_options", "scripted_model"} <= set(
        vars(pytest_plugin)
    )
