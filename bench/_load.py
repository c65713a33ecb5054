"""The benches' bulk loader: a year of realistic orders with their records, in PostgreSQL (issue #15 item 4).

The rows are generated inside the server by ``INSERT … SELECT generate_series`` with the stable hash
``hashint(id, salt)``, so order ``g`` is the same row whatever the chunking or the number of jobs: a
year of orders (2025-12-01 .. 2026-12-01 UTC, 8 % answered at first contact, 80 % closed), their lead
assignments with the KPI limits, approved returns (one in 33), reopens (one in 50), evaluations, a few
designations, and the timeline events of each milestone.

Why it is fast (docs/benchmarks.md, "Bulk loader"): with the ~30 secondary indexes of these tables in
place each row cost ~23 WAL records and random B-tree inserts, ~400–500 s per million orders here. So
the loader drops the tables' plain indexes (never a primary key or unique constraint: those are filled
in id order, at the right edge), skips the foreign-key triggers for its own session
(``session_replication_role = replica``, as ``pg_restore --disable-triggers`` does; the rows only
reference ids it read from the database, and the loader's test re-validates every key), inserts in id
chunks from ``jobs`` connections, then recreates exactly the dropped indexes (their own
``pg_get_indexdef``) with a large ``maintenance_work_mem``, sets the sequences and runs VACUUM ANALYZE.
It ends with the schema the migrations and ``create_all`` gave, plus the ``ix_kpi_*`` indexes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

T = TypeVar("T")
R = TypeVar("R")

URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_kpi")

#: The tables the loader fills, parents first.
TABLES = ("orders", "assignments", "kpi_assignment_limits", "order_requests", "evaluations", "unit_requests",
          "order_events")

HASH = """CREATE OR REPLACE FUNCTION hashint(a bigint, salt int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT abs(hashtext(a::text || ':' || salt::text)) $$"""

#: The settings of every loading transaction (SET LOCAL, so that a pooled connection keeps none of them):
#: ``replica`` skips the foreign-key triggers (not the rows' own NOT NULL, check and unique constraints);
#: one big commit per chunk needs no synchronous flush.
SESSION = ("SET LOCAL session_replication_role = replica", "SET LOCAL synchronous_commit = off",
           "SET LOCAL work_mem = '64MB'")

ORDERS = """
    INSERT INTO orders (city_id, id, number, channel, kind, category_code, title, content, citizen_phone, anonymous,
        confidential, territory_unit_id, urgency, status, pending_extension, via_subcentre, lead_unit_id,
        deadline_uncertain, created_at, updated_at, first_dispatched_at, dispatched_at, signed_at, replied_at,
        completed_at, closed_at, first_contact_resolved, return_count, redispatch_count, reopen_count,
        extension_count, version)
    SELECT cy.id, g, 'B' || lpad(g::text, 9, '0'), (ARRAY['phone','phone','phone','web','app','wechat'])[1 + g % 6],
        (ARRAY['complaint','consultation','help','report','suggestion','complaint'])[1 + (g / 7) % 6],
        c.codes[1 + (hashint(g, 1) % array_length(c.codes, 1))], '压测工单', '压测内容',
        '139' || lpad((g % 100000000)::text, 8, '0'), g % 50 = 0, false,
        t.ids[1 + (hashint(g, 2) % array_length(t.ids, 1))], 'normal',
        CASE WHEN fc THEN 'closed' WHEN r < 80 THEN 'closed' WHEN r < 86 THEN 'completed'
             WHEN r < 93 THEN 'in_progress' WHEN r < 97 THEN 'dispatched' ELSE 'replied' END,
        false, false, CASE WHEN fc THEN NULL ELSE h.ids[1 + (hashint(g, 3) % array_length(h.ids, 1))] END,
        false, ts, ts,
        CASE WHEN fc THEN NULL ELSE ts + interval '10 min' END, CASE WHEN fc THEN NULL ELSE ts + interval '10 min' END,
        CASE WHEN fc OR r BETWEEN 93 AND 96 THEN NULL ELSE ts + interval '10 min' + (hashint(g, 4) % 30) * interval '1 hour' END,
        CASE WHEN fc OR r BETWEEN 86 AND 96 THEN NULL ELSE ts + (1 + hashint(g, 5) % 7) * interval '1 day' END,
        CASE WHEN fc THEN ts WHEN r < 86 THEN ts + (1 + hashint(g, 5) % 7) * interval '1 day' + interval '2 hour' END,
        CASE WHEN fc THEN ts + interval '1 day' WHEN r < 80 THEN ts + (2 + hashint(g, 5) % 7) * interval '1 day' END,
        fc, 0, 0, 0, 0, 1
    FROM (SELECT g, (hashint(g, 6) % 100) AS r, (hashint(g, 7) % 100) < 8 AS fc,
                 timestamptz '2025-12-01 00:00+00' + (hashint(g, 8) % 31536000) * interval '1 second' AS ts
          FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) g) s,
         (SELECT CAST(:city AS int) AS id) cy,
         (SELECT array_agg(code) AS codes FROM categories WHERE level = 3) c,
         (SELECT array_agg(id) AS ids FROM units WHERE type IN ('street', 'township', 'community')) t,
         (SELECT array_agg(id) AS ids FROM units WHERE type IN ('department', 'enterprise', 'street', 'township')) h
"""

ASSIGNMENTS = """
    INSERT INTO assignments (city_id, id, order_id, unit_id, role, active, assigned_at, signed_at, replied_at, ended_at, end_reason)
    SELECT city_id, id, id, lead_unit_id, 'lead', NOT (id % 33 = 0 OR id % 50 = 1), first_dispatched_at, signed_at, replied_at,
           CASE WHEN id % 33 = 0 THEN first_dispatched_at + interval '5 hour'
                WHEN id % 50 = 1 AND replied_at IS NOT NULL THEN replied_at + interval '3 day' END,
           CASE WHEN id % 33 = 0 THEN 'returned' WHEN id % 50 = 1 AND replied_at IS NOT NULL THEN 'reopened' END
    FROM orders WHERE city_id = :city AND id BETWEEN :lo AND :hi AND lead_unit_id IS NOT NULL
"""

LIMITS = """
    INSERT INTO kpi_assignment_limits (city_id, assignment_id, order_id, unit_id, assigned_at, sign_due_at, due_at,
                                       first_due_at)
    SELECT city_id, id, order_id, unit_id, assigned_at, assigned_at + interval '24 hour', assigned_at + interval '5 day',
           assigned_at + interval '5 day'
    FROM assignments WHERE city_id = :city AND id BETWEEN :lo AND :hi
"""

RETURNS = """
    INSERT INTO order_requests (city_id, order_id, kind, unit_id, requested_at, reason, state, decided_at)
    SELECT city_id, order_id, 'return', unit_id, ended_at - interval '1 hour', '不属本单位职责', 'approved', ended_at
    FROM assignments WHERE city_id = :city AND id BETWEEN :lo AND :hi AND end_reason = 'returned'
"""

EVALUATIONS = """
    INSERT INTO evaluations (city_id, order_id, unit_id, at, channel, solved, satisfaction, excluded_reason)
    SELECT city_id, id, lead_unit_id, completed_at + interval '1 day', CASE WHEN id % 4 = 0 THEN 'self' ELSE 'phone' END,
           hashint(id, 9) % 100 < 88,
           CASE WHEN hashint(id, 10) % 100 < 82 THEN 'satisfied' WHEN hashint(id, 10) % 100 < 93 THEN 'basic'
                ELSE 'dissatisfied' END,
           CASE WHEN id % 500 = 0 THEN 'appeal' END
    FROM orders WHERE city_id = :city AND id BETWEEN :lo AND :hi
        AND completed_at IS NOT NULL AND lead_unit_id IS NOT NULL AND NOT anonymous AND id % 10 <> 0
"""

DESIGNATIONS = """
    INSERT INTO unit_requests (city_id, kind, order_id, unit_id, filed_at, reason, attachment_ids, state, decided_at, decision_note)
    SELECT city_id, 'designation', id, lead_unit_id, created_at + interval '2 day', '反复诉求', '[]', 'accepted',
           created_at + interval '3 day', '认定'
    FROM orders WHERE city_id = :city AND id BETWEEN :lo AND :hi AND id % 1000 = 7 AND lead_unit_id IS NOT NULL
"""

#: One event per milestone the order's timestamps say it passed, in the state machine's terms
#: (hotline/orders/lifecycle.py): 受理, 即时办结 or 派单 → 签收 → 答复 → 办结, then 归档.
EVENTS = """
    INSERT INTO order_events (city_id, order_id, at, actor_label, actor_role, action, from_status, to_status, unit_id,
                              data)
    SELECT o.city_id, o.id, e.at, e.label, e.role, e.action, e.from_s, e.to_s, e.unit_id, '{}'
    FROM orders o CROSS JOIN LATERAL (VALUES
        ('create', o.created_at, NULL, 'received', 'operator', '话务员', NULL::int),
        ('answer_first_contact', CASE WHEN o.first_contact_resolved THEN o.created_at END, 'received', 'completed',
         'operator', '话务员', NULL),
        ('dispatch', o.first_dispatched_at, 'received', 'dispatched', 'dispatcher', '派单员', o.lead_unit_id),
        ('sign', o.signed_at, 'dispatched', 'in_progress', 'unit_handler', '承办人', o.lead_unit_id),
        ('reply', o.replied_at, 'in_progress', 'replied', 'unit_handler', '承办人', o.lead_unit_id),
        ('complete', CASE WHEN NOT o.first_contact_resolved THEN o.completed_at END, 'replied', 'completed',
         'dispatcher', '派单员', NULL),
        ('close', o.closed_at, 'completed', 'closed', 'system', '系统', NULL)
    ) AS e(action, at, from_s, to_s, role, label, unit_id)
    WHERE o.city_id = :city AND o.id BETWEEN :lo AND :hi AND e.at IS NOT NULL
"""


@dataclass(frozen=True)
class Step:
    """One table's rows for a chunk of order ids (``:lo`` .. ``:hi``) of the city ``:city``."""

    table: str
    sql: str
    events: bool = False


STEPS = (Step("orders", ORDERS), Step("assignments", ASSIGNMENTS), Step("kpi_assignment_limits", LIMITS),
         Step("order_requests", RETURNS), Step("evaluations", EVALUATIONS), Step("unit_requests", DESIGNATIONS),
         Step("order_events", EVENTS, events=True))


@dataclass
class Report:
    """What a load did: rows and seconds per table, the index rebuild, VACUUM ANALYZE, sizes."""

    orders: int
    steps: dict[str, dict[str, float]] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    indexes: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0
    db_bytes: int = 0

    def as_dict(self) -> dict[str, object]:
        per_m = self.db_bytes / (self.orders / 1e6) if self.orders else 0
        return {"orders": self.orders, "tables": self.steps, "phases_s": self.phases, "index_s": self.indexes, "total_s": round(self.total_s, 1),
                "db_bytes": self.db_bytes, "db_mb": round(self.db_bytes / 2**20, 1),
                "mb_per_million_orders": round(per_m / 2**20, 1)}


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """``[lo, hi]`` id ranges covering 1..n, ``size`` ids each (the last one shorter)."""
    return [(lo, min(n, lo + size - 1)) for lo in range(1, n + 1, size)]


def create_schema(url: str = URL) -> Engine:
    """Drop and create the database: migrations, ``create_all``, the demo city (without its users)."""
    from bench._common import recreate_db
    from hotline import registry

    recreate_db(url, verbose=False)
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.migrate import upgrade
    from hotline.org.cities import sync_city

    engine = dbmod.configure(url)
    upgrade(url)
    dbmod.Base.metadata.create_all(engine)
    with dbmod.session_scope() as s:
        sync_city(s, current_city(), with_users=False)
    return engine


def kpi_index_ddl(engine: Engine) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX …)`` of the ``ix_kpi_*`` indexes the migrations do not (yet) create.

    ``create_all`` creates an index only with its table, so a KPI index declared on a table the
    migrations already made (``orders``, ``assignments`` …) would silently be missing.
    """
    from sqlalchemy.schema import CreateIndex

    from hotline import db as dbmod

    out = []
    for table in dbmod.Base.metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            if (index.name or "").startswith("ix_kpi_"):
                out.append((str(index.name), str(CreateIndex(index).compile(dialect=engine.dialect))))
    return out


def plain_indexes(conn, tables: Iterable[str]) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """``(name, definition, table)`` of the tables' indexes that back no constraint (those the load can defer)."""
    rows = conn.execute(text("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.relname
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(:t) AND c.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1"""), {"t": list(tables)}).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _pool_map(jobs: int, fn: Callable[[T], R], items: list[T]) -> list[R]:
    """``fn`` over ``items`` on ``jobs`` threads (each with its own connection), in order."""
    if jobs <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(fn, items))


def build_indexes(engine: Engine, ddls: list[str], *, jobs: int = 2) -> dict[str, float]:
    """Run the ``CREATE INDEX`` statements on ``jobs`` connections, each sort with 1 GB of memory;
    returns each index's seconds (the profile of the rebuild)."""

    def build(ddl: str) -> tuple[str, float]:
        t = time.perf_counter()
        with engine.connect() as c:
            c.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
            c.exec_driver_sql(ddl)
            c.commit()
        return ddl.split(" INDEX ", 1)[1].split()[0], round(time.perf_counter() - t, 1)

    return dict(_pool_map(jobs, build, list(ddls)))


@contextmanager
def deferred_indexes(engine: Engine, tables: Iterable[str], *, jobs: int = 2,
                     extra: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
    """Drop the tables' plain indexes for the block, then build them again (with ``extra``), largest table first.

    Primary keys and unique constraints stay: a bulk load fills them in id order. The yielded dict
    gets ``indexes_s`` (the build's seconds), ``indexes`` (how many) and ``each_s`` after the block.
    """
    tables = list(tables)
    with engine.connect() as c:
        plain = plain_indexes(c, tables)
        for name, _, _ in plain:
            c.exec_driver_sql(f'DROP INDEX "{name}"')
        c.commit()
    out: dict[str, Any] = {}
    yield out
    with engine.connect() as c:
        rows = {t: int(c.scalar(text("SELECT count(*) FROM " + t)) or 0) for t in tables}  # noqa: S608 (our names)
    ordered = sorted(plain, key=lambda x: -rows.get(x[2], 0))
    t0 = time.perf_counter()
    out["each_s"] = build_indexes(engine, [ddl for _, ddl, _ in ordered] + list(extra), jobs=jobs)
    out["indexes_s"] = round(time.perf_counter() - t0, 1)
    out["indexes"] = len(out["each_s"])


def set_sequences(conn, tables: Iterable[str]) -> None:  # type: ignore[no-untyped-def]
    """Each table's ``id`` sequence after its largest id (rows written with explicit ids leave it behind)."""
    for table in tables:
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id') FROM information_schema.columns "
                               "WHERE table_name = :t AND column_name = 'id'"), {"t": table})
        if seq:
            conn.execute(text(f"SELECT setval(:s, GREATEST(1, (SELECT coalesce(max(id), 0) FROM {table})), "  # noqa: S608
                              f"(SELECT count(*) > 0 FROM {table}))"), {"s": seq})


def vacuum_analyze(engine: Engine, tables: Iterable[str], *, jobs: int = 2) -> int:
    """VACUUM ANALYZE the tables on ``jobs`` connections (the visibility map for index-only scans, the
    planner's statistics), ANALYZE the rest; returns the database's size in bytes."""

    def vacuum(table: str) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql(f"VACUUM (ANALYZE) {table}")

    _pool_map(jobs, vacuum, list(tables))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("ANALYZE")
        return int(c.scalar(text("SELECT pg_database_size(current_database())")) or 0)


def load(n: int, *, url: str = URL, chunk: int = 250_000, jobs: int = 2, events: bool = True,
         log: Callable[[str], None] = print) -> Report:
    """Create the database and fill it with ``n`` orders and their records; the report says where the time went.

    Each chunk of order ids is one transaction that writes the orders and then their children (they
    read the chunk back by primary key while it is still in the cache); ``jobs`` chunks run at once.
    A table's seconds are summed over its chunks, so with ``jobs > 1`` they add up to more than the
    wall time of the load phase.
    """
    t_all = time.perf_counter()
    rep = Report(orders=n)
    t0 = time.perf_counter()
    engine = create_schema(url)
    with engine.begin() as c:
        c.execute(text(HASH))
        city = int(c.scalar(text("SELECT min(id) FROM cities")) or 0)
    with engine.connect() as c:
        have = {r[0] for r in c.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"))}
    extra = [ddl for name, ddl in kpi_index_ddl(engine) if name not in have]
    engine.dispose()
    rep.phases["schema_s"] = round(time.perf_counter() - t0, 1)
    steps = [s for s in STEPS if events or not s.events]
    pool = create_engine(make_url(url), pool_size=max(1, jobs), max_overflow=0)

    def one_chunk(bounds: tuple[int, int]) -> dict[str, float]:
        lo, hi = bounds
        spent: dict[str, float] = {}
        with pool.connect() as c:
            for s in SESSION:
                c.exec_driver_sql(s)
            for step in steps:
                t = time.perf_counter()
                c.execute(text(step.sql), {"lo": lo, "hi": hi, "city": city})
                spent[step.table] = time.perf_counter() - t
            c.commit()
        return spent

    try:
        with deferred_indexes(pool, TABLES, jobs=jobs, extra=extra) as built:
            t0 = time.perf_counter()
            spent: dict[str, float] = {s.table: 0.0 for s in steps}
            for part in _pool_map(jobs, one_chunk, chunks(n, chunk)):
                for table, dt in part.items():
                    spent[table] += dt
            rep.phases["rows_s"] = round(time.perf_counter() - t0, 1)
            with pool.begin() as c:
                for step in steps:
                    rows = int(c.scalar(text(f"SELECT count(*) FROM {step.table}")) or 0)  # noqa: S608 (our names)
                    rep.steps[step.table] = {"rows": rows, "s": round(spent[step.table], 1)}
                    log(f"  {step.table:24s} {rows:>12,} rows {spent[step.table]:8.1f} s")
                set_sequences(c, TABLES)
            log(f"  rows written in {rep.phases['rows_s']:.1f} s ({jobs} jobs, chunks of {chunk:,} orders)")
        rep.phases["indexes_s"] = built["indexes_s"]
        rep.indexes = built["each_s"]
        slowest = sorted(rep.indexes.items(), key=lambda x: -x[1])[:5]
        log(f"  {built['indexes']} indexes built in {rep.phases['indexes_s']:.1f} s (slowest: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in slowest) + ")")
        t0 = time.perf_counter()
        rep.db_bytes = vacuum_analyze(pool, sorted(TABLES, key=lambda t: -rep.steps.get(t, {}).get("rows", 0)), jobs=jobs)
        rep.phases["vacuum_analyze_s"] = round(time.perf_counter() - t0, 1)
        log(f"  VACUUM ANALYZE in {rep.phases['vacuum_analyze_s']:.1f} s")
    finally:
        pool.dispose()
    rep.total_s = time.perf_counter() - t_all
    return rep
