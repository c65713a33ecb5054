"""Benchmark: the KPI and dashboard queries on 1,000,000 realistic orders in PostgreSQL.

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_kpi \
        .venv/bin/python bench/kpi_dashboard.py [--orders 1000000] [--runs 5] [--keep]

Builds the schema (migrations + create_all), syncs the demo city, bulk-loads a year of
orders with INSERT … SELECT generate_series (no ORM loops): lead assignments with their
limits, approved returns, reopens, first-contact answers, evaluations, a few designations
and accepted appeals; then times each dashboard query (p50 of --runs) for one month and
one quarter, prints machine, date and versions, and drops the database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_kpi")

LOAD = [
    # one year of orders, 2025-12-01 .. 2026-12-01 (UTC), with a weekly rhythm and a few peaks
    """
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
          FROM generate_series(1, :n) g) s,
         (SELECT min(id) AS id FROM cities) cy,
         (SELECT array_agg(code) AS codes FROM categories WHERE level = 3) c,
         (SELECT array_agg(id) AS ids FROM units WHERE type IN ('street', 'township', 'community')) t,
         (SELECT array_agg(id) AS ids FROM units WHERE type IN ('department', 'enterprise', 'street', 'township')) h
    """,
    """
    INSERT INTO assignments (city_id, id, order_id, unit_id, role, active, assigned_at, signed_at, replied_at, ended_at, end_reason)
    SELECT city_id, id, id, lead_unit_id, 'lead', NOT (id % 33 = 0 OR id % 50 = 1), first_dispatched_at, signed_at, replied_at,
           CASE WHEN id % 33 = 0 THEN first_dispatched_at + interval '5 hour'
                WHEN id % 50 = 1 AND replied_at IS NOT NULL THEN replied_at + interval '3 day' END,
           CASE WHEN id % 33 = 0 THEN 'returned' WHEN id % 50 = 1 AND replied_at IS NOT NULL THEN 'reopened' END
    FROM orders WHERE lead_unit_id IS NOT NULL
    """,
    """
    INSERT INTO kpi_assignment_limits (city_id, assignment_id, order_id, unit_id, assigned_at, sign_due_at, due_at,
                                       first_due_at)
    SELECT city_id, id, order_id, unit_id, assigned_at, assigned_at + interval '24 hour', assigned_at + interval '5 day',
           assigned_at + interval '5 day'
    FROM assignments
    """,
    """
    INSERT INTO order_requests (city_id, order_id, kind, unit_id, requested_at, reason, state, decided_at)
    SELECT city_id, order_id, 'return', unit_id, ended_at - interval '1 hour', '不属本单位职责', 'approved', ended_at
    FROM assignments WHERE end_reason = 'returned'
    """,
    """
    INSERT INTO evaluations (city_id, order_id, unit_id, at, channel, solved, satisfaction, excluded_reason)
    SELECT city_id, id, lead_unit_id, completed_at + interval '1 day', CASE WHEN id % 4 = 0 THEN 'self' ELSE 'phone' END,
           hashint(id, 9) % 100 < 88,
           CASE WHEN hashint(id, 10) % 100 < 82 THEN 'satisfied' WHEN hashint(id, 10) % 100 < 93 THEN 'basic'
                ELSE 'dissatisfied' END,
           CASE WHEN id % 500 = 0 THEN 'appeal' END
    FROM orders WHERE completed_at IS NOT NULL AND lead_unit_id IS NOT NULL AND NOT anonymous AND id % 10 <> 0
    """,
    """
    INSERT INTO unit_requests (city_id, kind, order_id, unit_id, filed_at, reason, attachment_ids, state, decided_at, decision_note)
    SELECT city_id, 'designation', id, lead_unit_id, created_at + interval '2 day', '反复诉求', '[]', 'accepted',
           created_at + interval '3 day', '认定'
    FROM orders WHERE id % 1000 = 7 AND lead_unit_id IS NOT NULL
    """,
]

HASH = """CREATE OR REPLACE FUNCTION hashint(a bigint, salt int) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT abs(hashtext(a::text || ':' || salt::text)) $$"""


def setup(n: int) -> None:
    u = make_url(URL)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.migrate import upgrade
    from hotline.org.cities import sync_city

    engine = dbmod.configure(URL)
    upgrade(URL)
    dbmod.Base.metadata.create_all(engine)
    with dbmod.session_scope() as s:
        sync_city(s, current_city(), with_users=False)
    with engine.begin() as c:
        c.execute(text(HASH))
        for i, sql in enumerate(LOAD):
            t0 = time.perf_counter()
            c.execute(text(sql), {"n": n})
            print(f"  load step {i + 1}/{len(LOAD)}: {time.perf_counter() - t0:.1f} s", flush=True)
        c.execute(text("SELECT setval(pg_get_serial_sequence('orders','id'), (SELECT max(id) FROM orders))"))
        c.execute(text("SELECT setval(pg_get_serial_sequence('assignments','id'), (SELECT max(id) FROM assignments))"))
    prepare()


def prepare() -> None:
    """The KPI indexes (``hotline/kpi/models.py``) the migrations do not (yet) create, then VACUUM ANALYZE.

    ``create_all`` creates an index only with its table, so a KPI index declared on a table the
    migrations already made (``orders``, ``assignments`` …) would silently be missing here.
    """
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod

    engine = dbmod.configure(URL)
    for table in dbmod.Base.metadata.sorted_tables:
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            if not (index.name or "").startswith("ix_kpi_"):
                continue
            t0 = time.perf_counter()
            index.create(engine, checkfirst=True)
            dt = time.perf_counter() - t0
            if dt > 0.5:
                print(f"  index {index.name}: {dt:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))


def timed(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _same(a: object, b: object) -> bool:
    """Both paths' results equal (rankings.boards: its boards' ranked rows, compared by value)."""
    if isinstance(a, tuple) and a and isinstance(a[0], list):  # (boards, units)
        return [(x.group, [(r.unit_id, r.counts, r.rank) for r in x.ranked + x.too_few]) for x in a[0]] == \
            [(x.group, [(r.unit_id, r.counts, r.rank) for r in x.ranked + x.too_few]) for x in b[0]]  # type: ignore[index]
    return a == b


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the database left by --keep (no reload): only add missing indexes and facts")
    ap.add_argument("--load-only", action="store_true", help="load, keep the database, time nothing")
    ap.add_argument("--facts", action="store_true",
                    help="rebuild the daily facts (timed), then time every query live (the baseline) and from the "
                         "facts, and check that both give the same result")
    args = ap.parse_args()
    os.environ.setdefault("HOTLINE_DATABASE_URL", URL)
    import sqlalchemy

    from hotline import __version__

    print(f"machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · {platform.platform()}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"python {sys.version.split()[0]} · sqlalchemy {sqlalchemy.__version__} · hotline {__version__}")
    t0 = time.perf_counter()
    if args.reuse:
        prepare()
        print(f"reused the loaded database ({time.perf_counter() - t0:.1f} s to prepare)")
    else:
        setup(args.orders)
        print(f"generated {args.orders:,} orders in {time.perf_counter() - t0:.1f} s")
    if args.load_only:
        return 0
    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.kpi import daily, periods, queries, rankings, service

    if args.facts:
        t0 = time.perf_counter()
        out = daily.refresh(dbmod.session_factory(), now=utcnow(), rebuild=True)
        print(f"rebuild of the daily facts: {out['days']} days in {time.perf_counter() - t0:.1f} s", flush=True)
    with dbmod.session_factory()() as db:
        print("postgres:", db.execute(text("select version()")).scalar().split(",")[0])
        counts = {t: db.execute(text(f"select count(*) from {t}")).scalar() for t in
                  ("orders", "assignments", "kpi_assignment_limits", "evaluations", "order_requests", "unit_requests")}
        print("rows:", counts)
        for label, p in (("month 2026-06", periods.month(2026, 6)), ("quarter 2026Q3", periods.quarter(2026, 3)),
                         ("year", periods.custom(date(2025, 12, 1), date(2026, 11, 30)))):
            print(f"\n{label}")
            now = utcnow()
            for name, fn in [
                ("unit_counts (all rates, all units)", lambda p=p, now=now: queries.unit_counts(db, p, as_of=now)),
                ("first_contact", lambda p=p: queries.first_contact(db, p)),
                ("daily_volume", lambda p=p: queries.daily_volume(db, p)),
                ("category_mix", lambda p=p: queries.category_mix(db, p)),
                ("territory_counts", lambda p=p: queries.territory_counts(db, p)),
                ("funnel", lambda p=p: queries.funnel(db, p)),
                ("rankings.boards (3 groups, rolled up)", lambda p=p, now=now: rankings.boards(db, p, as_of=now)),
                ("dashboard page data (all figures)", lambda p=p: service.dashboard(db, p)),
            ]:
                if args.facts:
                    with daily.live_only():
                        base, want = timed(fn, args.runs)
                    p50, got = timed(fn, args.runs)
                    same = _same(got, want)
                    flag = ("" if p50 <= 1.0 else "  > 1 s target") + ("" if same else "  RESULTS DIFFER")
                    print(f"  {name:42s} live p50 {base * 1000:8.1f} ms · facts p50 {p50 * 1000:8.1f} ms{flag}",
                          flush=True)
                    continue
                p50, _ = timed(fn, args.runs)
                flag = "" if p50 <= 1.0 else "  > 1 s target"
                print(f"  {name:42s} p50 {p50 * 1000:8.1f} ms{flag}", flush=True)
    dbmod.get_engine().dispose()
    if not (args.keep or args.reuse):
        u = make_url(URL)
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        admin.dispose()
        print("\ndropped", u.database)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
