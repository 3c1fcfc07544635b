"""Tables that fit the terminal: drop the least important columns, then fold text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

Cell = str | Text


@dataclass(frozen=True)
class Column:
    """One column of a :func:`fitted_table`.

    Attributes:
        header: Its title.
        priority: Lower is more important; the highest numbers go first when
            the terminal is too narrow. 0 is never dropped.
        justify: ``"left"`` or ``"right"``.
    """

    header: str
    priority: int
    justify: str = "left"


def _cell_width(value: Cell) -> int:
    return max((len(line) for line in str(value).splitlines()), default=0)


def fitted_table(
    title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int
) -> Table:
    """A rich table of ``rows`` no wider than ``width``.

    Each column needs its widest cell (or header) plus 3 characters of border and
    padding; columns are dropped by priority until the rest fit. A column that is
    still too wide (a long session id) folds onto several lines instead of being cut.
    """
    kept = list(range(len(columns)))
    needed = [
        max([len(column.header), *(_cell_width(row[i]) for row in rows)])
        for i, column in enumerate(columns)
    ]

    def total(indexes: list[int]) -> int:
        return 1 + sum(needed[i] + 3 for i in indexes)

    for index in sorted(kept, key=lambda i: -columns[i].priority):
        if total(kept) <= width or columns[index].priority == 0:
            continue
        kept.remove(index)
    table = Table(title=title)
    for i in kept:
        column = columns[i]
        table.add_column(
            column.header,
            justify="right" if column.justify == "right" else "left",
            overflow="fold",
            no_wrap=column.priority != 0,
            min_width=min(needed[i], len(column.header)) if column.priority else None,
        )
    for row in rows:
        table.add_row(*(row[i] for i in kept))
    return table
