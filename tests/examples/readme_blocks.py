"""The README's Python blocks, as the README tests read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing import MongoBackend

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_FILE = re.compile(r"^# (\w+\.py)\b")


@dataclass(frozen=True)
class Block:
    """One ```python block: the heading it sits under and its code."""

    heading: str
    code: str

    @property
    def filename(self) -> str | None:
        """``app.py`` for a block whose first line is ``# app.py ...`` (a file to write)."""
        match = _FILE.match(self.code)
        return match.group(1) if match else None


def blocks() -> list[Block]:
    """Every Python block of README.md, in order."""
    text = README.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        headings = re.findall(r"^#{2,4} (.+)$", text[: match.start()], re.M)
        found.append(Block(headings[-1] if headings else "", match.group(1)))
    return found


def python_blocks(heading: str) -> list[str]:
    """The code of the blocks under ``heading``."""
    return [block.code for block in blocks() if block.heading == heading]


def drop_database(backend: MongoBackend, name: str) -> None:
    """Start a README story afresh on the test server."""
    assert backend.uri is not None
    factory = MongoDBSessionManagerFactory(backend.uri, name, ensure_indexes=False)
    try:

        async def drop() -> None:
            await factory.pool.client().drop_database(name)

        factory.pool.run(drop())
    finally:
        factory.close()
