"""The benches' bulk loader (bench/_load.py) on PostgreSQL: same rows whatever the chunking, a normal schema after.

The loader drops the plain indexes and skips the foreign-key triggers while it writes, so these tests
hold what that must not change: the rows (a chunked, two-job load equals a one-statement load), every
foreign key (each one is re-added, which makes PostgreSQL validate it over the loaded rows), and the
schema (indexes and constraints equal to a fresh database's with the KPI indexes, Alembic at head).
Each load runs in a subprocess against its own scratch database, so this session's engine is untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import DB_URL

pytestmark = pytest.mark.skipif(not DB_URL.startswith("postgresql"), reason="the loader is PostgreSQL SQL")

ROOT = Path(__file__).resolve().parents[2]
N = 3_000

#: Each table's rows in a fixed order, without the ids a sequence hands out (two jobs interleave them).
DIGESTS = {
    "orders": "SELECT md5(string_agg(row(o.*)::text, '|' ORDER BY id)) FROM orders o",
    "assignments": "SELECT md5(string_agg(row(a.*)::text, '|' ORDER BY id)) FROM assignments a",
    "kpi_assignment_limits": "SELECT md5(string_agg(row(k.*)::text, '|' ORDER BY assignment_id)) "
                             "FROM kpi_assignment_limits k",
    "evaluations": "SELECT md5(string_agg(row(order_id, unit_id, at, channel, solved, satisfaction, "
                   "excluded_reason)::text, '|' ORDER BY order_id)) FROM evaluations",
    "order_requests": "SELECT md5(string_agg(row(order_id, unit_id, kind, requested_at, decided_at)::text, '|' "
                      "ORDER BY order_id)) FROM order_requests",
    "unit_requests": "SELECT md5(string_agg(row(order_id, unit_id, filed_at)::text, '|' ORDER BY order_id)) "
                     "FROM unit_requests",
    "order_events": "SELECT md5(string_agg(row(order_id, at, action, from_status, to_status, unit_id)::text, '|' "
                    "ORDER BY order_id, at, action)) FROM order_events",
}
SCHEMA = {
    "indexes": "SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": "SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid), "
                   "E'\\n' ORDER BY conrelid::regclass::text, conname) FROM pg_constraint "
                   "WHERE connamespace = 'public'::regnamespace",
    "alembic": "SELECT string_agg(version_num, ',') FROM alembic_version",
}


def _url(suffix: str) -> str:
    u = make_url(DB_URL)
    return u.set(database=f"{u.database}_{suffix}").render_as_string(hide_password=False)


def _python(code_or_args: list[str], url: str) -> str:
    env = os.environ | {"HOTLINE_BENCH_PG_URL": url, "HOTLINE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("HOTLINE_TEST_DATABASE_URL", None)
    out = subprocess.run([sys.executable, *code_or_args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _read(url: str, queries: dict[str, str]) -> dict[str, object]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {k: c.scalar(text(q)) for k, q in queries.items()}
    finally:
        engine.dispose()


def _drop(*urls: str) -> None:
    admin = create_engine(make_url(DB_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for url in urls:
            c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def loaded():  # type: ignore[no-untyped-def]
    """Three scratch databases: chunked over two jobs, one statement per table, and the bare schema."""
    chunked, single, bare = _url("load_chunked"), _url("load_single"), _url("load_bare")
    try:
        out = _python(["bench/generate.py", "--orders", str(N), "--chunk", "700", "--jobs", "2", "--json"], chunked)
        report = json.loads(out.strip().splitlines()[-1])
        _python(["bench/generate.py", "--orders", str(N), "--chunk", str(N), "--jobs", "1", "--json"], single)
        # the reference schema by the other path: the migrations, create_all, then the KPI bench's prepare()
        _python(["-c", "from bench import _load, kpi_dashboard as k; _load.create_schema(k.URL); k.prepare()"], bare)
        yield {"chunked": chunked, "single": single, "bare": bare, "report": report}
    finally:
        _drop(chunked, single, bare)


def test_rows_do_not_depend_on_chunks_or_jobs(loaded) -> None:  # type: ignore[no-untyped-def]
    a, b = _read(loaded["chunked"], DIGESTS), _read(loaded["single"], DIGESTS)
    assert all(a.values()), a  # every table has rows
    assert a == b


def test_report_counts_every_table(loaded) -> None:  # type: ignore[no-untyped-def]
    tables = loaded["report"]["tables"]
    counts = _read(loaded["chunked"], {t: f"SELECT count(*) FROM {t}" for t in tables})  # noqa: S608
    assert {t: v["rows"] for t, v in tables.items()} == counts
    assert counts["orders"] == N
    # one event per milestone the timestamps say: 受理 and 归档 at least for a closed order
    assert counts["order_events"] > 2 * N
    assert loaded["report"]["db_bytes"] > 0


def test_schema_is_the_normal_one(loaded) -> None:  # type: ignore[no-untyped-def]
    assert _read(loaded["chunked"], SCHEMA) == _read(loaded["bare"], SCHEMA)


def test_every_foreign_key_holds(loaded) -> None:  # type: ignore[no-untyped-def]
    """Re-adding a key makes PostgreSQL check it over every row (the load skipped the triggers)."""
    engine = create_engine(loaded["chunked"])
    try:
        with engine.connect() as c:
            keys = c.execute(text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t)"),
                {"t": list(_tables())}).all()
            assert len(keys) > 10
            for table, name, definition in keys:
                c.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                c.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            c.rollback()
    finally:
        engine.dispose()


def test_sequences_continue_after_the_loaded_ids(loaded) -> None:  # type: ignore[no-untyped-def]
    got = _read(loaded["chunked"], {
        t: f"SELECT nextval(pg_get_serial_sequence('{t}', 'id')) > (SELECT max(id) FROM {t})"  # noqa: S608
        for t in ("orders", "assignments", "evaluations", "order_requests", "unit_requests", "order_events")})
    assert all(got.values()), got


def _tables() -> tuple[str, ...]:
    sys.path.insert(0, str(ROOT))
    from bench import _load

    return _load.TABLES


def test_sla_sweep_bench_loads_and_sweeps() -> None:
    """bench/sla_sweep.py loads its open orders through deferred_indexes and raises one alert per crossing.

    Its INSERT named no city, so since every order row needs one the bench failed on its first statement.
    """
    url = _url("load_sla")
    try:
        out = _python(["bench/sla_sweep.py", "--orders", "300", "--crossing-every", "10"], url)
    finally:
        _drop(url)
    assert "inserted 300 orders" in out
    first = next(line for line in out.splitlines() if line.startswith("first sweep"))
    # every 20th order overdue, every 10th (g % 10 = 1) due soon: 15 督办 and 30 催办 to raise
    assert " due_soon=30 " in first and " overdue=15 " in first, first
