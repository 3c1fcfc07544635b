"""Raw access to the sessions collection, for tests that check what is stored."""

from __future__ import annotations

from typing import Any


def raw_collection(owner: Any) -> Any:
    """The sessions collection of a repository (or of anything with a ``.store``).

    Call it on the store loop (inside ``pool.run(...)``): it is the driver's async
    collection, untyped on purpose, as tests read whatever shape is stored.
    """
    return owner.store.collection()
