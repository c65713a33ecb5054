"""Benchmark: the KPI and dashboard queries on 1,000,000 realistic orders in PostgreSQL.

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_kpi \
        .venv/bin/python bench/kpi_dashboard.py [--orders 1000000] [--runs 5] [--keep]

Builds the schema (migrations + create_all), syncs the demo city, bulk-loads a year of
orders with ``bench/_load.py`` (INSERT … SELECT generate_series, no ORM loops; indexes built
after the rows): lead assignments with their limits, approved returns, reopens, first-contact
answers, evaluations, a few designations and accepted appeals (``--events``: their timeline
events too); then times each dashboard query (p50 of --runs) for one month and
one quarter, prints machine, date and versions, and drops the database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_kpi")


def setup(n: int, *, events: bool = False) -> None:
    """Drop and create the database and load ``n`` orders with their records (``bench/_load.py``).

    Without ``events`` the database holds exactly the rows this bench always loaded (the loader's
    test holds the rows the same whatever the chunking), so its figures stay comparable.
    """
    from bench import _load

    _load.load(n, url=URL, events=events, log=lambda m: print(m, flush=True))


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
    ap.add_argument("--events", action="store_true", help="load the orders' timeline events too (the scale run)")
    ap.add_argument("--periods", default="month,quarter,year", help="which of month,quarter,year to time")
    ap.add_argument("--facts-periods-only", action="store_true",
                    help="with --facts: compute the facts of the timed periods' days only, not a rebuild of all")
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
        setup(args.orders, events=args.events)
        print(f"generated {args.orders:,} orders in {time.perf_counter() - t0:.1f} s")
    if args.load_only:
        return 0
    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.kpi import daily, periods, queries, rankings, service

    chosen = [(label, p) for key, label, p in (
        ("month", "month 2026-06", periods.month(2026, 6)), ("quarter", "quarter 2026Q3", periods.quarter(2026, 3)),
        ("year", "year", periods.custom(date(2025, 12, 1), date(2026, 11, 30)))) if key in args.periods.split(",")]
    if args.facts and args.facts_periods_only:
        # the same per-day computation as the rebuild (daily.refresh_day, a transaction per day), for the
        # days of the timed periods only (at 10M a rebuild of the whole year would take most of an hour)
        t0 = time.perf_counter()
        now, rules, days = utcnow(), daily.current_rules(), set()
        for _label, p in chosen:
            day = periods.local_date(p.start)
            while periods._at(day) < p.end:
                days.add(day)
                day += timedelta(days=1)
        for day in sorted(days):
            with dbmod.session_factory()() as db:
                daily.refresh_day(db, day, now=now, rules=rules)
                db.commit()
        print(f"facts of the timed periods' days: {len(days)} days in {time.perf_counter() - t0:.1f} s", flush=True)
    elif args.facts:
        t0 = time.perf_counter()
        out = daily.refresh(dbmod.session_factory(), now=utcnow(), rebuild=True)
        print(f"rebuild of the daily facts: {out['days']} days in {time.perf_counter() - t0:.1f} s", flush=True)
    with dbmod.session_factory()() as db:
        print("postgres:", db.execute(text("select version()")).scalar().split(",")[0])
        counts = {t: db.execute(text(f"select count(*) from {t}")).scalar() for t in
                  ("orders", "assignments", "kpi_assignment_limits", "evaluations", "order_requests", "unit_requests")}
        print("rows:", counts)
        for label, p in chosen:
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
