"""Reads for browsing stored sessions (the viewer): pipelines, counts, one document.

:class:`SessionBrowser` is the viewer's only way to the database. The viewer
builds its aggregation pipelines (pure data) and hands them here; every driver
call, and the difference between PyMongo's and mongomock-motor's aggregate
cursors, stays in this module. Each ``*_async`` method is one trip to the store
loop, so the web server's event loop never waits on MongoDB.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from pymongo.asynchronous.collection import AsyncCollection

from mongodb_session_manager._twins import awaiting
from mongodb_session_manager.store.gateway import CollectionGateway, collect_pipeline

__all__ = ["FieldSample", "SessionBrowser"]

Document = dict[str, Any]
Pipeline = list[dict[str, Any]]


class FieldSample(NamedTuple):
    """What a metadata-field discovery reads, in one concurrent batch.

    Attributes:
        indexes: ``index_information()`` of the collection.
        sample: The documents of the sample pipeline.
        values: The distinct values of the asked field.
    """

    indexes: dict[str, Any]
    sample: list[Document]
    values: list[Any]


async def _documents(collection: AsyncCollection[Any], pipeline: Pipeline) -> list[Document]:
    """All documents of ``pipeline``."""
    return await collect_pipeline(collection, pipeline)


class SessionBrowser(CollectionGateway):
    """The read side of the sessions collection as the viewer needs it (and one delete).

    Args:
        pool: The pool (its client lives on the store loop).
        database_name: The database.
        collection_name: The sessions collection.
    """

    async def _aggregate(self, pipeline: Pipeline) -> list[Document]:
        """Every document ``pipeline`` yields (one ``aggregate``, read to the end)."""
        return await _documents(self.collection(), pipeline)

    aggregate_async = awaiting(_aggregate)

    async def _page(self, match: dict[str, Any], pipeline: Pipeline) -> tuple[list[Document], int]:
        """A result page and the number of documents ``match`` selects, sent together.

        The count is ``count_documents(match)``, or the collection's estimated
        count when ``match`` is empty (no scan).
        """
        collection = self.collection()
        count = (
            collection.count_documents(match) if match else collection.estimated_document_count()
        )
        rows, total = await asyncio.gather(_documents(collection, pipeline), count)
        return rows, int(total)

    page_async = awaiting(_page)

    async def _field_sample(self, pipeline: Pipeline, distinct_field: str) -> FieldSample:
        """Indexes, a sample pipeline's documents and a field's distinct values (concurrently)."""
        collection = self.collection()
        indexes, sample, values = await asyncio.gather(
            collection.index_information(),
            _documents(collection, pipeline),
            collection.distinct(distinct_field),
        )
        return FieldSample(indexes=dict(indexes), sample=sample, values=list(values))

    field_sample_async = awaiting(_field_sample)

    async def _document(self, session_id: str) -> Document | None:
        """The whole stored document of one session (``None`` if there is none)."""
        document: Document | None = await self.collection().find_one({"_id": session_id})
        return document

    document_async = awaiting(_document)

    async def _delete(self, session_id: str) -> bool:
        """Delete one session document; whether it existed."""
        result = await self.collection().delete_one({"_id": session_id})
        return bool(result.deleted_count)

    delete_async = awaiting(_delete)
