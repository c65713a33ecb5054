"""Issue #15 item 3: dashboards, rankings, reports, exports and order search can read a replica.

The "replica" here is the test database opened read-only (PostgreSQL ``default_transaction_read_only``,
SQLite ``query_only``), the way ``make_engine(read_only=True)`` opens a real standby: every page routed
to it must work without writing, and must really read it (statements are counted on its engine).
A replica that lags beyond the limit, or can't be reached, is skipped: the same pages read the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from hotline import db as dbmod
from tests.conftest import DB_URL, login
from tests.integration.test_everyday_pages import _make_order

REPLICA_PAGES = ["/dashboard", "/kpi", "/kpi/export.csv", "/reports/monthly", "/orders?q=路灯",
                 "/api/v1/orders?q=路灯", "/api/v1/exports/orders.csv", "/api/v1/kpi/summary",
                 "/api/v1/kpi/rankings", "/api/v1/kpi/dashboard"]


def _read_only_url(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    return url


@pytest.fixture
def replica() -> Iterator[list[str]]:
    engine = dbmod.configure_replica(_read_only_url(DB_URL))
    assert engine is not None
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    try:
        yield seen
    finally:
        dbmod.configure_replica(None, load=False)


@pytest.fixture
def number(committed: None) -> str:
    with dbmod.session_scope() as s:
        return _make_order(s, dispatch_to="cg_handler")


def test_the_replica_refuses_writes(replica: list[str]) -> None:
    factory = dbmod.replica_session_factory()
    assert factory is not None
    with factory() as s, pytest.raises(DBAPIError):
        s.execute(text("update cities set name = name"))


@pytest.mark.parametrize("path", REPLICA_PAGES)
def test_read_pages_are_served_by_the_replica(path: str, replica: list[str], number: str,
                                              live_client: TestClient) -> None:
    login(live_client, "leader")
    before = len(replica)
    r = live_client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert len(replica) > before, f"{path} did not read the replica"
    if "路灯" in path or "exports/orders" in path:
        assert number in r.text  # the committed order is found on the replica


def test_order_page_after_a_write_reads_the_primary(replica: list[str], number: str,
                                                    live_client: TestClient) -> None:
    login(live_client, "leader")
    before = len(replica)
    assert live_client.get(f"/orders/{number}").status_code == 200
    assert len(replica) == before  # read-your-own-writes pages never go to the replica


def test_a_lagging_replica_is_skipped(replica: list[str], number: str, live_client: TestClient,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "replica_lag", lambda engine: 120.0)
    monkeypatch.setattr(dbmod, "_replica_checked", (-1e9, 0.0))
    login(live_client, "leader")
    before = len(replica)
    r = live_client.get("/orders?q=路灯")
    assert r.status_code == 200 and number in r.text
    assert len(replica) == before


def test_an_unreachable_replica_is_skipped(number: str, live_client: TestClient) -> None:
    bad = ("sqlite:///file:/nonexistent-dir/none.sqlite3?mode=ro&uri=true" if DB_URL.startswith("sqlite")
           else "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    dbmod.configure_replica(bad)
    try:
        assert dbmod.replica_lag(dbmod._replica) == float("inf")  # type: ignore[arg-type]
        login(live_client, "leader")
        r = live_client.get("/dashboard")
        assert r.status_code == 200
        assert dbmod.replica_session_factory() is None
    finally:
        dbmod.configure_replica(None, load=False)


def test_pgbouncer_mode_switches_off_prepared_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.config import get_settings

    if not DB_URL.startswith("postgresql"):
        pytest.skip("PgBouncer applies to PostgreSQL")
    monkeypatch.setenv("HOTLINE_DATABASE_PGBOUNCER", "true")
    get_settings.cache_clear()
    try:
        engine = dbmod.make_engine(DB_URL)
        with engine.connect() as conn:
            assert conn.connection.driver_connection.prepare_threshold is None
        engine.dispose()
    finally:
        monkeypatch.delenv("HOTLINE_DATABASE_PGBOUNCER")
        get_settings.cache_clear()
    engine = dbmod.make_engine(DB_URL)
    with engine.connect() as conn:
        assert conn.connection.driver_connection.prepare_threshold == 5  # psycopg's default
    engine.dispose()
