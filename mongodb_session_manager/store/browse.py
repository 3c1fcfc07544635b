"""Reads for browsing stored sessions (the viewer): pipelines, counts, one document.

:class:`SessionBrowser` is the viewer's only way to the database. The viewer
builds its aggregation pipelines (pure data) and hands them here; every driver
call, and the difference between PyMongo's and mongomock-motor's aggregate
cursors, stays in this module. Each ``*_async`` method is one trip to the store
loop, so the web server's event loop never waits on MongoDB.

A long session's older messages are in its page collection
(``<sessions>_pages``, :mod:`mongodb_session_manager.models.pages`): the viewer
reads the session first (its agents' ``paged_count`` and ``incarnation`` decide
which pages are visible), then the pages it needs with :meth:`SessionBrowser.pages_async`
or :meth:`SessionBrowser.aggregate_pages_async` (pipelines cutting the pages).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, NamedTuple

from pymongo.asynchronous.collection import AsyncCollection

from mongodb_session_manager._twins import awaiting
from mongodb_session_manager.models.pages import blobs_collection, pages_collection
from mongodb_session_manager.store.gateway import CollectionGateway, collect_pipeline

__all__ = ["FieldSample", "SessionBrowser"]

logger = logging.getLogger(__name__)

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


def _first_id(page: Document) -> int:
    value = page.get("first_id")
    return value if isinstance(value, int) else -1


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

    def companion(self, name: str) -> AsyncCollection[Any]:
        """A companion collection of the sessions collection (``pages`` or ``blobs``)."""
        names = {"pages": pages_collection, "blobs": blobs_collection}
        collection: AsyncCollection[Any] = self.pool.client()[self.database_name][
            names[name](self.collection_name)
        ]
        return collection

    async def _pages(self, filter: dict[str, Any]) -> list[Document]:
        """The page documents ``filter`` selects (one ``find``), by agent and ``first_id``."""
        pages: list[Document] = await self.companion("pages").find(filter).to_list(None)
        pages.sort(key=lambda page: (str(page.get("agent_key")), _first_id(page)))
        return pages

    pages_async = awaiting(_pages)

    async def _aggregate_pages(self, pipeline: Pipeline) -> list[Document]:
        """Every document ``pipeline`` yields over the page collection (one ``aggregate``)."""
        return await _documents(self.companion("pages"), pipeline)

    aggregate_pages_async = awaiting(_aggregate_pages)

    async def _delete(self, session_id: str) -> bool:
        """Delete one session document, then its pages and value chunks; whether it existed.

        The session goes first: a crash in between leaves pages nobody can see
        (no session names them), never a session with missing messages.
        """
        result = await self.collection().delete_one({"_id": session_id})
        existed = bool(result.deleted_count)
        companions = 0
        for name in ("pages", "blobs"):
            removed = await self.companion(name).delete_many({"session_id": session_id})
            companions += removed.deleted_count
        logger.info(
            "viewer.session.delete | session_id=%s existed=%s companions=%d",
            session_id,
            existed,
            companions,
        )
        return existed

    delete_async = awaiting(_delete)
