"""StoreSettings.from_arguments: the settings among a constructor's arguments."""

from __future__ import annotations

from datetime import timedelta

from mongodb_session_manager.store.settings import StoreSettings


def test_from_arguments_picks_the_settings_and_the_pool_options() -> None:
    arguments: dict[str, object] = {
        "self": object(),
        "connection_string": "mongodb://h",
        "database_name": "d",
        "collection_name": "c",
        "client": None,
        "application_name": "app",
        "metadata_fields": ["profile.tier"],
        "max_document_bytes": 1_000_000,
        "ttl": timedelta(days=1),
        "pool_options": {"maxPoolSize": 5},
        "feedback_hook": None,
    }
    settings = StoreSettings.from_arguments(arguments)
    assert settings == StoreSettings(
        connection_string="mongodb://h",
        database_name="d",
        collection_name="c",
        application_name="app",
        metadata_fields=("profile.tier",),
        max_document_bytes=1_000_000,
        ttl=timedelta(days=1),
        client_options={"maxPoolSize": 5},
    )


def test_from_arguments_reads_no_metadata_fields_as_none() -> None:
    arguments: dict[str, object] = {
        "connection_string": None,
        "database_name": "d",
        "collection_name": "c",
        "client": None,
        "application_name": None,
        "metadata_fields": None,
        "max_document_bytes": 1_000_000,
        "ttl": None,
        "pool_options": {},
    }
    assert StoreSettings.from_arguments(arguments).metadata_fields == ()
