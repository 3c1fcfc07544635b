"""The migrations, one module each, applied in name order (``m0001_...``, ``m0002_...``).

Each module defines ``Forward`` and ``Backward`` (subclasses of
:class:`~mongodb_session_manager.migrations.base.DocumentMigration`); modules whose
name starts with ``_`` are skipped, as in Beanie.
"""
