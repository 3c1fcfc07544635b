"""PNG charts (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COLORS = {
    "mongodb-session-manager": "#13aa52",
    "mongodb-session-manager (sync)": "#13aa52",
    "mongodb-session-manager (async)": "#0b6e35",
    "mongodb-session-manager (create_async)": "#0b6e35",
    "FileSessionManager": "#f0a30a",
    "S3SessionManager": "#3d7fd9",
    "no session manager": "#999999",
    "Strands sync hooks": "#d9534f",
    "raw PyMongo": "#3d7fd9",
    "schema v1": "#8e44ad",
    "budget": "#d9d9d9",
}


def _color(name: str) -> str:
    for key, value in COLORS.items():
        if name.startswith(key):
            return value
    return "#666666"


def grouped_bars(
    path: Path,
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    ylabel: str,
    log: bool = False,
    errors: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> None:
    """One group of bars per category, one bar per series (None: no bar)."""
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(categories) + 2), 4.2), dpi=110)
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [c + (i - (len(series) - 1) / 2) * width for c in range(len(categories))]
        ys = [v if v is not None else 0.0 for v in values]
        yerr = None
        if errors and name in errors:
            low, high = errors[name]
            yerr = [
                [max(0.0, y - lo) for y, lo in zip(ys, low, strict=True)],
                [max(0.0, hi - y) for y, hi in zip(ys, high, strict=True)],
            ]
        ax.bar(xs, ys, width, label=name, color=_color(name), yerr=yerr, capsize=2)
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories, rotation=20 if len(categories) > 4 else 0, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def lines(
    path: Path,
    title: str,
    xs: Sequence[float],
    series: dict[str, Sequence[float | None]],
    xlabel: str,
    ylabel: str,
    log: bool = True,
    named_colors: bool = True,
) -> None:
    """One line per series over ``xs`` (points that are None are left out)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2), dpi=110)
    for name, values in series.items():
        points = [(x, y) for x, y in zip(xs, values, strict=True) if y is not None]
        if points:
            style: dict[str, str] = {"color": _color(name)} if named_colors else {}
            ax.plot(*zip(*points, strict=True), marker="o", label=name, **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
