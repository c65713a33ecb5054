"""Shared by the benchmarks: where they ran, a scratch PostgreSQL database, percentiles."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from datetime import UTC, datetime

PG_URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_dup")


def header(title: str) -> None:
    import sqlalchemy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"# {title}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}  machine: {platform.node()} {cpu} "
          f"x{os.cpu_count()}  python {sys.version.split()[0]}  sqlalchemy {sqlalchemy.__version__}")


def recreate_db(url: str = PG_URL, *, verbose: bool = True) -> None:
    """Drop and create the bench database (empty)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'drop database if exists "{u.database}" with (force)'))
        c.execute(text(f'create database "{u.database}"'))
        if verbose:
            print("postgres", c.scalar(text("show server_version")))
    admin.dispose()


def fresh_db(url: str = PG_URL, *, migrate: bool = False, verbose: bool = True):  # type: ignore[no-untyped-def]
    """Drop and create the bench database; returns its engine with every table created (after the
    migrations when ``migrate``) and the demo city synced."""
    recreate_db(url, verbose=verbose)
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.setdefault("HOTLINE_PASSWORD_HASH_FAST", "true")
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.org.cities import sync_city

    engine = dbmod.configure(url)
    if migrate:
        from hotline.migrate import upgrade

        upgrade(url)
    dbmod.Base.metadata.create_all(engine)
    with dbmod.session_scope() as s:
        sync_city(s, current_city())
    return engine


def attach_db(url: str = PG_URL):  # type: ignore[no-untyped-def]
    """Use the bench database as an earlier run left it."""
    os.environ["HOTLINE_DATABASE_URL"] = url
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod

    return dbmod.configure(url)


def drop_db(url: str = PG_URL) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from hotline import db as dbmod

    dbmod.get_engine().dispose()
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'drop database if exists "{u.database}" with (force)'))
    admin.dispose()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def report(label: str, ms: list[float]) -> None:
    print(f"{label}: n={len(ms)} p50={pct(ms, 50):.1f} ms  p95={pct(ms, 95):.1f} ms  "
          f"mean={statistics.mean(ms):.1f} ms")
