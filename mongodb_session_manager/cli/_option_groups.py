"""Options declared once, as a dataclass, and taken by several commands as one parameter.

Typer reads a command's options from its signature, so commands sharing options
(the database ones, the session filters) would each repeat the same parameter
list. :func:`with_option_groups` lets a command take such a group as one
parameter annotated with the dataclass instead::

    @dataclass(frozen=True)
    class StoreOptions:
        uri: Uri = None
        database: Database = DEFAULT_DATABASE


    @app.command("list")
    @with_option_groups
    def list_command(ctx: typer.Context, store: StoreOptions, limit: Limit = 50) -> None:
        open_pool(ctx, store.uri, ...)

Typer sees ``--uri``, ``--database`` and ``--limit``, in that order, exactly as if
they had been written out; the command receives them as one ``StoreOptions``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")

__all__ = ["with_option_groups"]


def _group_parameters(group: type[Any]) -> list[inspect.Parameter]:
    """The group's fields as command parameters (each keeps its annotation and default)."""
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        inspect.Parameter(
            field.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in dataclasses.fields(group)
    ]


def with_option_groups(command: Callable[..., R]) -> Callable[..., R]:
    """Expand each parameter of ``command`` annotated with a dataclass into its fields.

    The fields take the parameter's place, in their order, with their annotations
    (``Annotated[..., typer.Option(...)]``) and defaults; the command is called with
    the dataclass built from them. Other parameters stay as they are. Apply it
    below ``@app.command(...)``.
    """
    hints = typing.get_type_hints(command, include_extras=True)
    parameters: list[inspect.Parameter] = []
    groups: dict[str, type[Any]] = {}
    for parameter in inspect.signature(command).parameters.values():
        annotation = hints.get(parameter.name, parameter.annotation)
        if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
            groups[parameter.name] = annotation
            parameters += _group_parameters(annotation)
        else:
            parameters.append(parameter.replace(annotation=annotation))

    @functools.wraps(command)
    def run(**kwargs: Any) -> R:
        for name, group in groups.items():
            values = {field.name: kwargs.pop(field.name) for field in dataclasses.fields(group)}
            kwargs[name] = group(**values)
        return command(**kwargs)

    signature = inspect.Signature(parameters, return_annotation=hints.get("return", Any))
    run.__signature__ = signature  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    run.__annotations__["return"] = signature.return_annotation
    return run
