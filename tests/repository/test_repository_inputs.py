"""Repository arguments are checked before any I/O."""

from __future__ import annotations

from typing import Any

import pytest

from mongodb_session_manager import InvalidInputError, MongoDBSessionRepository


@pytest.mark.parametrize("field", ["$where", "", "a..b", "nul\x00"])
def test_metadata_fields_that_cannot_be_index_paths_are_refused(
    field: str, msm_options: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError, match="metadata_fields"):
        MongoDBSessionRepository(**msm_options, metadata_fields=[field])


def test_dotted_metadata_fields_index_nested_values(msm_options: dict[str, Any]) -> None:
    repository = MongoDBSessionRepository(
        **msm_options, metadata_fields=["customer.tier", "status"]
    )
    try:
        assert repository.metadata_fields == ("customer.tier", "status")
    finally:
        repository.close()
