"""SQLite's planner statistics are refreshed by every migration run (``db.refresh_planner_stats``).

Without ``sqlite_stat1`` SQLite took the one-city ``city_id`` index for the queue's sections and their
assignments, reading every row of the city (issue #20 item 7); ``hotline db upgrade`` (and ``serve`` and
``seed``, which run it) now leaves statistics of the data as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hotline.migrate import upgrade


def test_upgrade_leaves_sqlite_planner_statistics(tmp_path: Path) -> None:
    from tests.conftest import DB_URL

    if not DB_URL.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL's autovacuum analyses its tables")
    url = f"sqlite:///{tmp_path / 'stats.sqlite3'}"
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(conn.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
    finally:
        engine.dispose()
    assert "alembic_version" in tables  # the one table with a row after a fresh upgrade
