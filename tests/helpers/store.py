"""Raw access to the sessions collection, for tests that check what is stored."""

from __future__ import annotations

from typing import Any

from pymongo import monitoring


def raw_collection(owner: Any) -> Any:
    """The sessions collection of a repository (or of anything with a ``.store``).

    Call it on the store loop (inside ``pool.run(...)``): it is the driver's async
    collection, untyped on purpose, as tests read whatever shape is stored.
    """
    return owner.store.collection()


class CommandNames(monitoring.CommandListener):
    """An application's own command listener: the names of the commands it saw."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
