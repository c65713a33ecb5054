"""Monthly partitions (pg_partman) of the event tables, and archived years (hotline.partitions).

The PostgreSQL tests convert the shared test database once for this module — after orders were
made through the real API — and rebuild it from the migrations afterwards.  They skip on SQLite and
where the server has no pg_partman (``apt-get install postgresql-15-partman``; scripts/test does).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline import db as dbmod
from hotline.partitions import service
from tests.conftest import DB_URL
from tests.integration.helpers import create, dispatched, ok

PG = DB_URL.startswith("postgresql")
needs_pg = pytest.mark.skipif(not PG, reason="PostgreSQL only (SQLite has nothing to partition)")
NOW = datetime.now(UTC)
OLD, OLDER = NOW.year - 3, NOW.year - 4  # a closed year to archive; a year with an order still open


def _partition_of(conn: Any, table: str, row_id: int) -> str:
    return conn.scalar(text(f"select tableoid::regclass::text from {table} where id = :i"), {"i": row_id})


def _cli(*args: str) -> Any:
    from hotline.cli import app

    return CliRunner().invoke(app, list(args))


def _headers(username: str) -> dict[str, str]:
    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return {"Authorization": f"Bearer {create_api_token(s, user, 'partitioning')}"}


@pytest.fixture(scope="module")
def partitioned() -> Iterator[dict[str, Any]]:
    """The test database with orders made through the API (one withdrawn in ``OLD``, one still
    open with an event in ``OLDER``), then converted; rebuilt from the migrations afterwards."""
    if not PG:
        pytest.skip("PostgreSQL only")
    engine = dbmod.get_engine()
    with engine.connect() as c:
        if not (service.partman_schema(c) or service.partman_available(c)):
            pytest.skip("no pg_partman on this server (apt-get install postgresql-15-partman)")
    from tests.conftest import _client_for, _wipe_orders, build_database

    _wipe_orders()
    try:
        with _client_for(None) as client:
            as_user = _headers
            op = as_user("operator1")
            closed = create(client, op)["number"]
            ok(client, op, closed, "withdraw", reason="市民来电撤诉")
            still_open = dispatched(client, as_user, "dept-chengguan")
            with engine.begin() as c:  # their history, years back (the flows write today's time)
                c.execute(text("update order_events set at = at - make_interval(years => :y) where order_id = "
                               "(select id from orders where number = :n)"), {"y": NOW.year - OLD, "n": closed})
                c.execute(text("update order_events set at = at - make_interval(years => :y) where order_id = "
                               "(select id from orders where number = :n) and action = 'create'"),
                          {"y": NOW.year - OLDER, "n": still_open})
                c.execute(text("update audit_log set at = at - make_interval(years => :y) "
                               "where id = (select min(id) from audit_log)"), {"y": NOW.year - OLD})
                counts = {t: c.scalar(text(f"select count(*) from {t}")) for t in service.DEFAULT_TABLES}
                ids = {t: sorted(c.scalars(text(f"select id from {t}"))) for t in service.DEFAULT_TABLES}
        results = {t: service.convert(engine, t) for t in service.DEFAULT_TABLES}
        yield {"counts": counts, "ids": ids, "results": results, "closed": closed, "open": still_open}
    finally:
        from hotline.city import tenancy

        engine.dispose()
        build_database()
        tenancy._home.clear()  # noqa: SLF001 - the home city's row was made again


@needs_pg
def test_every_row_is_there_in_monthly_partitions(partitioned: dict[str, Any]) -> None:
    engine = dbmod.get_engine()
    with engine.connect() as c:
        for table in service.DEFAULT_TABLES:
            res = partitioned["results"][table]
            assert res.status == "converted" and res.rows == partitioned["counts"][table]
            assert service.is_partitioned(c, table)
            assert sorted(c.scalars(text(f"select id from {table}"))) == partitioned["ids"][table]
            months = service.children(c, table)
            assert all((end - start) <= timedelta(days=31) for _, start, end in months)
            assert months[-1][2] > NOW + timedelta(days=28 * service.PREMAKE)  # months made ahead
        # the old order's events sit in their own year's partitions, not in the default one
        where = set(c.scalars(text("select e.tableoid::regclass::text from order_events e join orders o on o.id = "
                                   "e.order_id where o.number = :n"), {"n": partitioned["closed"]}))
        assert where and all(w.startswith(f"order_events_p{OLD}_") for w in where)
        pk = c.scalar(text("select pg_get_constraintdef(oid) from pg_constraint where conname = 'pk_order_events'"))
        assert pk == "PRIMARY KEY (city_id, id, at)"


@needs_pg
def test_intake_dispatch_and_the_timeline_work_on_the_partitioned_tables(partitioned: dict[str, Any], client,
                                                                          as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    number = dispatched(client, as_user, "dept-chengguan")
    events = client.get(f"/api/v1/orders/{number}", headers=as_user("dispatcher")).json()["events"]
    assert [e["action"] for e in events][:2] == ["create", "dispatch"]
    old = client.get(f"/api/v1/orders/{partitioned['open']}", headers=as_user("dispatcher")).json()["events"]
    assert {"create", "dispatch"} <= {e["action"] for e in old}  # one event years back, others today: all read
    assert min(e["at"] for e in old).startswith(str(OLDER))
    login(client, "dispatcher", db=db)
    page = client.get(f"/orders/{number}")
    assert page.status_code == 200 and number in page.text
    from hotline.orders.models import OrderEvent

    new_id = db.scalar(select(OrderEvent.id).order_by(OrderEvent.id.desc()).limit(1))
    assert new_id is not None and new_id > max(partitioned["ids"]["order_events"])  # the id sequence goes on
    assert _partition_of(db.connection(), "order_events", new_id) == f"order_events_p{NOW:%Y_%m}"


@needs_pg
def test_an_event_of_next_month_lands_in_its_partition_and_a_stray_in_the_default(partitioned: dict[str, Any],
                                                                                   db: Session) -> None:
    from hotline.org.models import AuditLog

    first = NOW.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    next_month = (first + timedelta(days=32)).replace(day=2)
    soon = AuditLog(at=next_month, actor_label="test", action="test.partition", entity="test", entity_id="1")
    stray = AuditLog(at=NOW + timedelta(days=366 * 20), actor_label="test", action="test.partition", entity="test",
                     entity_id="2")
    unstamped = AuditLog(actor_label="test", action="test.partition", entity="test", entity_id="3")  # `at` by default
    db.add_all([soon, stray, unstamped])
    db.flush()
    conn = db.connection()
    assert _partition_of(conn, "audit_log", soon.id) == f"audit_log_p{next_month:%Y_%m}"
    assert _partition_of(conn, "audit_log", stray.id) == "audit_log_default"
    assert _partition_of(conn, "audit_log", unstamped.id).startswith("audit_log_p")
    db.expire_all()
    assert db.get(AuditLog, unstamped.id) is not None  # the ORM's identity still works


@needs_pg
def test_a_second_run_says_already_partitioned(partitioned: dict[str, Any]) -> None:
    assert service.convert(dbmod.get_engine(), "order_events").status == "already partitioned"
    r = _cli("db", "partition")
    assert r.exit_code == 0, r.output
    assert r.output.count("already partitioned") == len(service.DEFAULT_TABLES)
    r = _cli("db", "partition", "--dry-run", "--table", "hot_matter_events")
    assert r.exit_code == 0 and "would convert" in r.output
    with dbmod.get_engine().connect() as c:
        assert not service.is_partitioned(c, "hot_matter_events")  # a dry run changes nothing


@needs_pg
def test_a_busy_table_is_refused_after_the_lock_timeout_and_left_as_it_was(partitioned: dict[str, Any],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    engine = dbmod.get_engine()
    monkeypatch.setattr(service, "LOCK_TIMEOUT", "200ms")
    with engine.connect() as holder:
        holder.execute(text("lock table hot_matter_events in access share mode"))  # a reader's lock
        with pytest.raises(service.PartitionError, match="busy"):
            service.convert(engine, "hot_matter_events")
        holder.rollback()
    with engine.connect() as c:
        assert not service.is_partitioned(c, "hot_matter_events")
        assert c.scalar(text("select to_regclass('public.hot_matter_events_unpartitioned')")) is None


@needs_pg
def test_orders_and_outbox_are_blocked_by_their_constraints(partitioned: dict[str, Any]) -> None:
    with dbmod.get_engine().connect() as c:
        orders = service.blockers(c, "orders", "created_at")
        outbox = service.blockers(c, "outbox", "created_at")
        assert service.blockers(c, "webhook_attempts", "at") == []
    assert any("uq_orders_city_number" in r for r in orders)
    assert sum("points at orders" in r for r in orders) >= 30
    assert any("uq_outbox_city_dedupe_key" in r for r in outbox)
    assert any("webhook_attempts" in r and "points at outbox" in r for r in outbox)


@needs_pg
def test_autogenerate_sees_no_difference_and_a_later_migration_alters_every_partition(
        partitioned: dict[str, Any]) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import Column, String

    from hotline.partitions.service import include_object

    engine = dbmod.get_engine()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object})
        assert compare_metadata(ctx, dbmod.Base.metadata) == []
        conn.rollback()
        with conn.begin() as txn:
            Operations(ctx).add_column("order_events", Column("probe", String(8), server_default="x"))
            assert conn.scalar(text(f"select probe from order_events_p{NOW:%Y_%m} limit 1")) == "x"
            txn.rollback()


@needs_pg
def test_the_worker_makes_the_months_ahead(partitioned: dict[str, Any]) -> None:
    from hotline import registry
    from hotline.partitions import worker

    engine = dbmod.get_engine()
    with engine.begin() as c:
        last, _start, _end = service.children(c, "audit_log")[-1]
        c.execute(text(f"alter table audit_log detach partition {last}"))
        c.execute(text(f"drop table {last}"))
    task = next(fn for _phase, name, fn, _pkg in registry.install().worker_tasks if name == "partition_maintenance")
    worker.forget()
    out = task(now=NOW)
    assert out["made"]["audit_log"] == 1 and set(out["tables"]) == set(service.DEFAULT_TABLES)
    assert task(now=NOW + timedelta(minutes=1)) == {"skipped": "fresh"}  # once an hour
    with engine.connect() as c:
        assert service.children(c, "audit_log")[-1][0] == last


@needs_pg
def test_archive_year_moves_a_closed_year_and_refuses_the_others(partitioned: dict[str, Any]) -> None:
    engine = dbmod.get_engine()
    for year in (NOW.year, NOW.year - 1):
        r = _cli("db", "archive-year", str(year))
        assert r.exit_code == 2 and "only" in r.output
    with pytest.raises(service.PartitionError, match="not finished"):
        service.archive_year(engine, OLDER, now=NOW)
    plan = service.archive_year(engine, OLD, now=NOW, dry_run=True)
    with engine.connect() as c:
        assert not c.scalar(text(f"select to_regclass('archive.order_events_p{OLD}_01')"))  # dry run
    assert {m.table for m in plan.moved} >= {"order_events", "audit_log"}
    r = _cli("db", "archive-year", str(OLD))
    assert r.exit_code == 0, r.output
    assert "moved archive.order_events_p" in r.output and "bytes" in r.output
    closed = partitioned["closed"]
    with engine.connect() as c:
        names = set(c.scalars(text("select table_name from information_schema.tables where table_schema = 'archive'")))
        assert {m.partition.split(".")[1] for m in plan.moved} == names
        in_archive = sum(c.scalar(text(f"select count(*) from {m.partition}")) for m in plan.moved
                         if m.table == "order_events")
        assert in_archive == sum(m.rows for m in plan.moved if m.table == "order_events") > 0
        hot = c.scalar(text("select count(*) from order_events e join orders o on o.id = e.order_id "
                            "where o.number = :n"), {"n": closed})
        assert hot == 0  # out of the hot table: the old order's timeline is in archive.* now
        audit = c.execute(text("select actor_label, data from audit_log where action = 'db.archive_year'")).one()
        assert audit.actor_label == "cli" and audit.data["rows"] == sum(m.rows for m in plan.moved)
        assert c.scalar(text("select count(*) from pg_constraint where contype = 'f' and "
                             "connamespace = 'archive'::regnamespace")) == 0
    again = service.archive_year(engine, OLD, now=NOW)
    assert again.moved == []  # nothing left of that year


def test_sqlite_has_nothing_to_partition() -> None:
    if PG:
        pytest.skip("SQLite's answer")
    r = _cli("db", "partition")
    assert r.exit_code == 0 and "SQLite has nothing to partition" in r.output
    assert service.maintain(dbmod.get_engine()) == {"skipped": "not postgresql"}
    with pytest.raises(service.PartitionError, match="only PostgreSQL"):
        service.archive_year(dbmod.get_engine(), NOW.year - 3, now=NOW)
    with pytest.raises(service.PartitionError, match="only PostgreSQL"):
        service.restore_year(dbmod.get_engine(), NOW.year - 3)


def _timeline(number: str) -> tuple[list[dict[str, Any]], str]:
    """The order's events from the API and its page, by a client of its own, closed again before
    the restore (a test transaction's locks would make the attach wait)."""
    from tests.conftest import _client_for, login

    with _client_for(None) as client:
        events = client.get(f"/api/v1/orders/{number}", headers=_headers("dispatcher")).json()["events"]
        login(client, "dispatcher")
        return events, client.get(f"/orders/{number}").text


@needs_pg
def test_restore_year_brings_an_archived_year_back(partitioned: dict[str, Any]) -> None:
    engine = dbmod.get_engine()
    service.archive_year(engine, OLD, now=NOW)  # archived by the test above; on its own, here
    closed = partitioned["closed"]
    events, page = _timeline(closed)
    assert events == [] and "市民来电撤诉" not in page
    with engine.begin() as c:
        archived = sorted(c.scalars(text("select table_name from information_schema.tables "
                                         "where table_schema = 'archive'")))
        month = next(n for n in archived if n.startswith("order_events_p")
                     and c.scalar(text(f"select count(*) from archive.{n}")))
        # a row of an archived month written after it left: it sits in the default partition, in the way of
        # the attach (a month of the audit log that was archived: which ones exist depends on the rows the
        # session's earlier tests left, so it is read, not assumed)
        audit_month = next(n for n in archived if n.startswith("audit_log_p"))
        y, m = (int(x) for x in audit_month.removeprefix("audit_log_p").split("_"))
        stray = c.scalar(text("insert into audit_log (city_id, at, actor_label, action, entity, entity_id, data) "
                              "select city_id, :at, 'test', 'test.stray', 'test', '1', '{}' from audit_log limit 1 "
                              "returning id"), {"at": datetime(y, m, 15, tzinfo=UTC)})
        assert _partition_of(c, "audit_log", stray) == "audit_log_default"
        # a row whose order is gone (the archive has no foreign keys)
        c.execute(text(f"update archive.{month} set order_id = order_id + 1000000 where id = "
                       f"(select min(id) from archive.{month})"))
    r = _cli("db", "restore-year", str(OLD))
    assert r.exit_code == 2 and f"archive.{month} has 1 rows whose" in r.output and "外键" in r.output, r.output
    with engine.begin() as c:
        c.execute(text(f"update archive.{month} set order_id = order_id - 1000000 where order_id > 1000000"))
        c.execute(text(f"alter table archive.{month} add column probe int"))  # the hot table has no such column
    r = _cli("db", "restore-year", str(OLD))
    assert r.exit_code == 2 and f"archive.{month}'s columns differ from order_events's (probe)" in r.output, r.output
    with engine.begin() as c:
        c.execute(text(f"alter table archive.{month} drop column probe"))
        c.execute(text("update partman.part_config set retention = '2 years' where parent_table = 'public.audit_log'"))

    r = _cli("db", "restore-year", str(OLD), "--dry-run")
    assert r.exit_code == 0 and f"would restore public.{month}" in r.output, r.output
    assert "would move 1 rows from audit_log_default" in r.output
    assert "pg_partman keeps 2 years of audit_log" in r.output  # a retention set by hand would undo it
    with engine.begin() as c:
        c.execute(text("update partman.part_config set retention = null where parent_table = 'public.audit_log'"))
    with engine.connect() as c:  # the dry run changed nothing
        assert sorted(c.scalars(text("select table_name from information_schema.tables "
                                     "where table_schema = 'archive'"))) == archived
        assert _partition_of(c, "audit_log", stray) == "audit_log_default"

    r = _cli("db", "restore-year", str(OLD))
    assert r.exit_code == 0, r.output
    events, page = _timeline(closed)
    assert events and all(e["at"].startswith(str(OLD)) for e in events)
    assert "市民来电撤诉" in page  # the withdrawal's reason, from its event
    with engine.connect() as c:
        assert c.scalar(text("select count(*) from information_schema.tables where table_schema = 'archive'")) == 0
        assert _partition_of(c, "audit_log", stray) == audit_month
        for table in {n.split("_p")[0] for n in archived}:
            back = [n for n in archived if n.startswith(f"{table}_p")]
            assert {f"public.{n}" for n in back} <= {name for name, _s, _e in service.children(c, table)}
            parent_fks = c.scalar(text("select count(*) from pg_constraint where contype = 'f' and "
                                       "conrelid = cast(:t as regclass)"), {"t": table})
            for n in back:  # the foreign keys archive-year dropped are back, validated
                fks = c.execute(text("select convalidated from pg_constraint where contype = 'f' and "
                                     "conrelid = cast(:t as regclass)"), {"t": n}).scalars().all()
                assert len(fks) == parent_fks and all(fks)
        audit = c.execute(text("select actor_label, data from audit_log where action = 'db.restore_year'")).one()
        assert audit.actor_label == "cli" and sorted(audit.data["partitions"]) == [f"public.{n}" for n in archived]
    r = _cli("db", "restore-year", str(OLD))
    assert r.exit_code == 2 and "nothing to restore" in r.output
    with engine.connect() as c:
        assert c.scalar(text("select count(*) from audit_log where action = 'db.restore_year'")) == 1
