"""``harden(app, ...)``: the protections both web apps install the same way."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from mongodb_session_manager.web.hosts import TrustedHosts, allowed_host_names
from mongodb_session_manager.web.limits import QueryLimits

SHARED_PREFIX = "/shared"


def harden(app: FastAPI, *, app_name: str, bind_host: str, allowed_hosts: Iterable[str]) -> None:
    """Serve the shared render code, cap query strings, and check the ``Host`` header.

    Call it after the app's own middleware: the host check is then the outermost
    layer, so a rebinding page is refused before anything else runs.
    """
    from mongodb_session_manager.web import SHARED_STATIC_DIR

    app.mount(SHARED_PREFIX, StaticFiles(directory=SHARED_STATIC_DIR), name="shared")
    app.add_middleware(QueryLimits)
    app.add_middleware(
        TrustedHosts, allowed=allowed_host_names(bind_host, allowed_hosts), app_name=app_name
    )
