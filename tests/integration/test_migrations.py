"""The Alembic migrations build exactly the schema the models describe, on this database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import hotline.models  # noqa: F401
from hotline.db import Base
from hotline.migrate import upgrade


def test_migrations_match_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import DB_URL

    if DB_URL.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'mig.sqlite3'}"
    else:  # a scratch schema-less database next to the test one
        from sqlalchemy.engine import make_url

        from tests.conftest import _ensure_pg_database, _reset_schema

        url = make_url(DB_URL).set(database=make_url(DB_URL).database + "_mig").render_as_string(
            hide_password=False)
        _ensure_pg_database(url)
        eng = create_engine(url)
        _reset_schema(eng)
        eng.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; run `hotline db revision`: {diff[:5]}"
