"""partitions: the big append-only tables as monthly range partitions (PostgreSQL, pg_partman),
the worker's partition maintenance, and closed years archived into the ``archive`` schema.

An operator's choice, never automatic: ``hotline db partition`` converts, ``hotline db archive-year``
archives.  SQLite has nothing to partition (docs/scale.md, "Partitioning and archiving").
"""
