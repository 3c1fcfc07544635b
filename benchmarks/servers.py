"""Start and stop the benchmark's helper processes (see :mod:`benchmarks._serve`)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


class Helper:
    """A helper process that printed its address and serves until we close its stdin."""

    def __init__(
        self, *args: str, module: str = "benchmarks._serve", timeout: float = 60.0
    ) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._line: list[str] = []
        self._reader = threading.Thread(
            target=lambda: self._line.append(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        self._reader.start()
        self._timeout = timeout
        self._address: str | None = None

    @property
    def address(self) -> str:
        """The address it printed (waits for it to start)."""
        if self._address is None:
            self._reader.join(self._timeout)
            if not self._line or not self._line[0].strip():
                self.close()
                raise RuntimeError(f"benchmark helper {' '.join(self.args)!r} did not start")
            self._address = self._line[0].strip()
        return self._address

    def close(self) -> None:
        """Close its stdin (it exits by itself) and wait; kill it only if it hangs."""
        try:
            if self.process.poll() is None:
                if self.process.stdin is not None:
                    self.process.stdin.close()
                self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mongo_uri() -> tuple[str, Helper | None, str]:
    """A MongoDB URI: ``MONGODB_URI`` if set, else a fresh embedded server process.

    Returns (uri, the helper or None, a label of the backend). With a helper the
    URI is empty: read ``helper.address`` once the other helpers are started too.
    """
    uri = os.environ.get("MONGODB_URI")
    if uri:
        return uri, None, "MongoDB at MONGODB_URI"
    helper = Helper("mongo")
    return "", helper, "embedded mongoeco wire server (separate process)"


def null_server() -> Helper:
    """The do-nothing MongoDB wire server (:mod:`benchmarks.null_server`): URI in ``.address``."""
    return Helper("null")


def chat_app(*args: str) -> Helper:
    """The event-loop case's FastAPI app in its own process (see ``benchmarks._chat_app``)."""
    return Helper(*args, module="benchmarks._chat_app")


def delayed(uri_or_endpoint: str, delay_ms: float) -> tuple[str, Helper]:
    """The same URI / endpoint routed through a delay proxy process."""
    parts = urlsplit(uri_or_endpoint)
    if parts.hostname is None or parts.port is None or "," in parts.netloc:
        raise ValueError(
            f"cannot put a delay proxy in front of {uri_or_endpoint!r}: it needs one host:port"
        )
    helper = Helper(
        "proxy", "--target", f"{parts.hostname}:{parts.port}", "--delay-ms", str(delay_ms)
    )
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{helper.address}" if userinfo else helper.address
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), helper
