"""What ``msm viewer`` and ``msm playground`` share when they serve a page.

Both need FastAPI and uvicorn, refuse ``--no-auth`` off loopback, print the
page's URL (the access token in its ``#token=`` fragment, which browsers never
send to a server) and warn when the page is reachable from other machines.
"""

from __future__ import annotations

import typer

__all__ = [
    "page_url",
    "refuse_no_auth_off_loopback",
    "require_web_extra",
    "token_url",
    "warn_exposed",
]

NO_AUTH_WARNING = "WARNING: authentication is off (--no-auth)."


def require_web_extra(message: str) -> None:
    """Exit with ``message`` (status 1) unless FastAPI and uvicorn import.

    Args:
        message: What to tell the user (which extra to install).

    Raises:
        typer.Exit: An import failed.
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        typer.echo(message, err=True)
        raise typer.Exit(1) from exc


def refuse_no_auth_off_loopback(no_auth: bool, host: str, message: str) -> None:
    """Exit with ``message`` (status 2) if ``--no-auth`` is asked for on a non-loopback host.

    Args:
        no_auth: Whether ``--no-auth`` was given.
        host: The interface to bind.
        message: What to tell the user.

    Raises:
        typer.Exit: ``--no-auth`` off loopback.
    """
    from mongodb_session_manager.web import is_loopback

    if no_auth and not is_loopback(host):
        typer.echo(message, err=True)
        raise typer.Exit(2)


def page_url(host: str, port: int) -> str:
    """``http://host:port/`` (an IPv6 host bracketed).

    Args:
        host: The interface the page binds.
        port: Its port.

    Returns:
        The page's base URL.
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def token_url(url: str, token: str | None) -> str:
    """``url`` with the access token in its fragment.

    Args:
        url: The page's URL.
        token: The access token.

    Returns:
        ``url#token=<token>``.
    """
    return f"{url}#token={token}"


def warn_exposed(exposed: bool, warning: str, *, no_auth: bool) -> None:
    """Print the warnings of a page other machines can reach, or without authentication.

    Args:
        exposed: Whether the page binds a non-loopback interface.
        warning: What to say when it does.
        no_auth: Whether authentication is off.
    """
    if exposed:
        typer.echo(warning, err=True)
    if no_auth:
        typer.echo(NO_AUTH_WARNING, err=True)
