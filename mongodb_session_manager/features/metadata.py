"""Old import path of the metadata helpers.

Now :mod:`mongodb_session_manager.services.metadata`.
"""

from __future__ import annotations

from mongodb_session_manager.services.metadata import (
    MetadataInput,
    entry_bytes,
    measure_paths,
    shape_error,
)

__all__ = ["MetadataInput", "entry_bytes", "measure_paths", "shape_error"]
