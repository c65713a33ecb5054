"""Run Alembic programmatically, so ``hotline db upgrade`` needs no alembic.ini on disk."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate, then refresh SQLite's planner statistics (``db.refresh_planner_stats``): every
    ``hotline db upgrade``/``seed``/``serve`` leaves the planner knowing the data it will query."""
    command.upgrade(alembic_config(url), revision)
    if url.startswith("sqlite"):
        from hotline.db import make_engine, refresh_planner_stats

        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                refresh_planner_stats(conn)
        finally:
            engine.dispose()


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
