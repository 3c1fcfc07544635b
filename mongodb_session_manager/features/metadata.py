"""Old import path of the metadata helpers.

Now :mod:`mongodb_session_manager.services.metadata`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mongodb_session_manager.services.bundle import session_services
from mongodb_session_manager.services.metadata import (
    MetadataInput,
    entry_bytes,
    measure_paths,
    shape_error,
)

__all__ = ["MetadataInput", "MetadataMixin", "entry_bytes", "measure_paths", "shape_error"]


class MetadataMixin:
    """Transitional: what ``repository/reference_api.py``'s ``SessionView`` still uses.

    Removed at merge, once the reference API calls
    :func:`~mongodb_session_manager.services.session_services` itself.
    """

    session_id: str
    _repo: Any
    metadata_hook: Any

    def update_metadata(self, metadata: MetadataInput) -> Any:
        """Set these keys (see the manager's method)."""
        service = session_services(self._repo, self.session_id).metadata
        return service.update(metadata, hook=self.metadata_hook, model=None)

    def get_metadata(self, keys: Iterable[str] | str | None = None) -> Any:
        """``{"_id", "metadata"}`` or ``None`` (see the manager's method)."""
        service = session_services(self._repo, self.session_id).metadata
        return service.get(keys, hook=self.metadata_hook)

    def delete_metadata(self, keys: Iterable[str] | str) -> Any:
        """Remove these keys (see the manager's method)."""
        service = session_services(self._repo, self.session_id).metadata
        return service.delete(keys, hook=self.metadata_hook)
