"""Constants shared by the library and the ``msm`` commands; imports nothing.

The reference library's names: a manager built with default arguments, the CLI
(viewer, sessions, migrate, demo, playground) and the reference's data all meet
in ``database_name.collection_name``.
"""

DEFAULT_DATABASE = "database_name"
DEFAULT_COLLECTION = "collection_name"
DEFAULT_BATCH_SIZE = 100
"""Documents per migration batch (``msm migrate --batch-size``)."""
