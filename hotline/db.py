"""Engine, sessions and the declarative base.

SQLite is the embedded default and PostgreSQL the production database; the
differences are handled here and nowhere else.  SQLite runs in WAL mode with
foreign keys on and with SQLAlchemy's documented recipe for real SAVEPOINTs, so
the test suite can roll every test back on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from hotline.errors import Conflict

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every database; refuses naive input."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite drops the offset; we only ever store UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: ``db.info`` keys whose values hold what the transaction wrote (``transaction_scoped``)
_SCOPED: set[str] = set()


def transaction_scoped(*keys: str) -> None:
    """Declare ``db.info`` keys that hold rows this transaction just wrote, kept so a later hook need not read
    them back: they are dropped when the outermost transaction ends (a savepoint released is not its end) and
    when a savepoint rolls back (it may have taken the rows with it; the next reader reads the database)."""
    _SCOPED.update(keys)


@event.listens_for(Session, "after_transaction_end")
def _forget_scoped_at_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        for key in _SCOPED:
            session.info.pop(key, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_scoped_at_rollback(session: Session, _previous: Any) -> None:
    for key in _SCOPED:
        session.info.pop(key, None)


def utcnow() -> datetime:
    return datetime.now(UTC)


def refresh_planner_stats(conn: Any) -> None:
    """SQLite: ``ANALYZE``, so its query planner knows the tables' sizes and indexes' selectivity.

    Without ``sqlite_stat1`` SQLite assumes every equality on an index is selective, so it reads a
    city's orders through ``ix_orders_city_id`` (every row: the demo has one city) instead of the status
    index, and loads a page's assignments by city rather than by order: the queue's sections spent most
    of their time there (docs/benchmarks.md, issue #20 item 7).  Run after a migration and after the demo
    seed (both bulk changes); ``conn`` is a Connection or a Session.  PostgreSQL is left to autovacuum,
    which analyses a table as it changes."""
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    if bind.dialect.name == "sqlite":
        from sqlalchemy import text

        conn.execute(text("ANALYZE"))


def make_engine(url: str, *, read_only: bool = False, **kw: Any) -> Engine:
    """An engine; ``read_only`` (the replica's) refuses every write at the database itself:
    PostgreSQL ``default_transaction_read_only``, SQLite ``PRAGMA query_only``."""
    if url.startswith("sqlite"):
        if (url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:")
                and not url.startswith("sqlite:///file:")):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN (savepoints work)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal" and not read_only:
                cur.execute("PRAGMA journal_mode=WAL")
            if read_only:
                cur.execute("PRAGMA query_only=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock up front (no deadlock on upgrading a read); readers
            # (a session from read_session_factory) never take it, so they never wait on a writer.
            conn.exec_driver_sql("BEGIN" if read_only or conn.get_execution_options().get(READ_ONLY)
                                 else "BEGIN IMMEDIATE")

        return engine
    from hotline.config import get_settings

    args = kw.setdefault("connect_args", {})
    if read_only:
        args["options"] = "-c default_transaction_read_only=on"
    if get_settings().database_pgbouncer:
        args["prepare_threshold"] = None  # a prepared statement lives in one server session; PgBouncer moves us
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kw)


# PostgreSQL SQLSTATEs that mean "another transaction got there first": serialization_failure,
# deadlock_detected, lock_not_available.  Retrying the request is the client's call.
_CONCURRENCY_SQLSTATES = {"40001", "40P01", "55P03"}


def is_concurrency_error(exc: BaseException) -> bool:
    """A lost race with another transaction (not a bug, not bad input): the caller answers 409."""
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in _CONCURRENCY_SQLSTATES
    return False


def stale_conflict() -> Conflict:
    """The one 409 for a lost race on a versioned row (the order's ``version`` column)."""
    return Conflict("concurrent_update", "工单已被他人修改，请刷新后重试",
                    "the order was changed by someone else; reload and try again")


class HotlineSession(Session):
    """A session whose every flush — explicit, autoflush before a query, or commit — turns a
    lost race into ``Conflict(concurrent_update)`` after rolling back.

    Why here: handlers query the database after changing the order, so SQLAlchemy autoflushes
    the versioned UPDATE in the middle of a handler, far from any ``commit_or_conflict``.  A
    ``StaleDataError`` there used to escape as a 500.  Translating it at the one place every
    flush passes means every caller that already handles ``AppError`` (API, console pages,
    portal, Open311) answers a readable 409 with nothing of the losing request written.
    """

    _committing = False

    def flush(self, objects: Any = None) -> None:
        try:
            super().flush(objects)
        except Exception as exc:
            if not is_concurrency_error(exc):
                raise
            if not self._committing:  # inside commit() SQLAlchemy forbids it; commit() rolls back
                self.rollback()
            raise stale_conflict() from exc

    def commit(self) -> None:
        self._committing = True
        try:
            super().commit()
        except Exception as exc:
            self._committing = False
            if isinstance(exc, Conflict) or is_concurrency_error(exc):
                self.rollback()
                if not isinstance(exc, Conflict):
                    raise stale_conflict() from exc
            raise
        finally:
            self._committing = False


READ_ONLY = "hotline_read_only"
_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None
_read_factory: sessionmaker[Session] | None = None


def configure(url: str) -> Engine:
    """Point the process at a database (the app, the CLI and the tests call this)."""
    global _engine, _factory, _read_factory
    if _engine is not None:
        _engine.dispose()
    configure_replica(None, load=False)
    _engine = make_engine(url)
    _factory = sessionmaker(bind=_engine, class_=HotlineSession, expire_on_commit=False)
    _read_factory = sessionmaker(bind=_engine.execution_options(**{READ_ONLY: True}), class_=HotlineSession,
                                 expire_on_commit=False)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        from hotline.config import get_settings

        configure(get_settings().database_url)
    assert _engine is not None
    return _engine


def session_factory() -> sessionmaker[Session]:
    get_engine()
    assert _factory is not None
    return _factory


def read_session_factory() -> sessionmaker[Session]:
    """Sessions for reads (GET requests): on SQLite their transactions begin DEFERRED, so they
    never take or wait for the write lock.  A write in such a session still works; on SQLite it
    takes the lock when it happens.  On PostgreSQL both factories are the same."""
    get_engine()
    assert _read_factory is not None
    return _read_factory


# -- the read replica (docs/scale.md "A read replica") -------------------------------------------
# Dashboards, rankings, reports, exports and order search may read a hot standby.  They are pages
# whose figures a person reads, never a page shown right after that person's own write (the order
# page after 派单 reads the primary), so a bounded staleness is harmless there.  A replica further
# behind than ``replica_max_lag_seconds``, or unreachable, is skipped: those pages read the primary.

_replica: Engine | None = None
_replica_factory: sessionmaker[Session] | None = None
_replica_loaded = False
_replica_checked: tuple[float, float] = (-1e9, 0.0)  # (monotonic time of the last check, lag seconds)
LAG_CHECK_EVERY = 5.0  # seconds between two lag measurements of the replica
_LAG_SQL = ("SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
            "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END")


def configure_replica(url: str | None, *, load: bool = True) -> Engine | None:
    """Point replica reads at ``url`` (None: no replica).  ``load=False`` forgets the replica and lets
    the next read take it from the settings again."""
    global _replica, _replica_factory, _replica_loaded, _replica_checked
    if _replica is not None:
        _replica.dispose()
    _replica = make_engine(url, read_only=True) if url else None
    _replica_factory = (sessionmaker(bind=_replica.execution_options(**{READ_ONLY: True}), class_=HotlineSession,
                                     expire_on_commit=False) if _replica is not None else None)
    _replica_loaded = load
    _replica_checked = (-1e9, 0.0)
    return _replica


def replica_lag(engine: Engine) -> float:
    """Seconds the replica is behind its primary (0 when caught up or when it is not a standby);
    infinity when it can't be reached."""
    import logging

    sql = _LAG_SQL if engine.dialect.name == "postgresql" else "SELECT 0"  # SQLite: the same file, read-only
    try:
        with engine.connect() as conn:
            return float(conn.exec_driver_sql(sql).scalar() or 0.0)
    except DBAPIError as exc:
        logging.getLogger(__name__).warning("read replica unreachable, reading the primary: %s", exc)
        return float("inf")


def replica_session_factory() -> sessionmaker[Session] | None:
    """Sessions on the read replica, or None (no replica configured, or behind by more than the
    limit, or unreachable: the caller reads the primary)."""
    import time

    global _replica_checked
    if not _replica_loaded:
        from hotline.config import get_settings

        configure_replica(get_settings().replica_database_url)
    if _replica is None:
        return None
    from hotline.config import get_settings

    now = time.monotonic()
    if now - _replica_checked[0] >= LAG_CHECK_EVERY:
        _replica_checked = (now, replica_lag(_replica))
    return _replica_factory if _replica_checked[1] <= get_settings().replica_max_lag_seconds else None


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any exception."""
    s = session_factory()()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()


def flush_or_conflict(db: Session) -> None:
    """Flush; a concurrent update of the same order becomes a clean 409 (and a rollback).

    Sessions from ``hotline.db`` already translate lost races on every flush
    (``HotlineSession``); this also covers a plain ``Session`` (tests, scripts).
    """
    try:
        db.flush()
    except Conflict:
        db.rollback()
        raise
    except Exception as exc:
        if not is_concurrency_error(exc):
            raise
        db.rollback()
        raise stale_conflict() from exc


def commit_or_conflict(db: Session) -> None:
    """Commit; a concurrent update of the same order becomes a clean 409 (and a rollback)."""
    try:
        db.commit()
    except Conflict:
        db.rollback()
        raise
    except IntegrityError as exc:
        db.rollback()
        raise integrity_conflict(exc) from exc
    except Exception as exc:
        if not is_concurrency_error(exc):
            raise
        db.rollback()
        raise stale_conflict() from exc


def integrity_conflict(exc: IntegrityError) -> Conflict:
    """A unique rule another request satisfied first (an external id, a key) — 409, not 500."""
    if "external_id" in str(exc.orig):
        return Conflict("duplicate_external_id", "该外部编号已受理，不能重复创建工单",
                        "an order with this external id from this channel already exists")
    return Conflict("integrity", "数据冲突，请重试", "conflicting data; please retry")
