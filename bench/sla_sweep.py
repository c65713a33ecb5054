"""Benchmark: one full deadline sweep over N open orders on PostgreSQL, then a steady-state sweep.

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_sla \
        .venv/bin/python bench/sla_sweep.py [--orders 1000000] [--keep]

Builds a fresh database (migrations + create_all), loads the demo city, inserts
N in-progress orders with INSERT … SELECT generate_series — about 5 % overdue
(already replied, so only the complete deadline is late), 10 % due soon and
85 % green — and times ``hotline.supervision.sweep.sweep`` at a fixed ``now``.  The
first sweep raises a 督办 per overdue order and a 催办 per due-soon order; the
second raises nothing (the steady state).  The database is dropped at the end
unless ``--keep`` (then: ``dropdb -h 127.0.0.1 -U postgres hotline_bench_sla``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_sla")
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # Wed 2026-03-04 10:00 Beijing, a working day


def _admin(url: str, sql: str) -> None:
    u = make_url(url)
    eng = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("select pg_terminate_backend(pid) from pg_stat_activity where datname=:n "
                       "and pid<>pg_backend_pid()"), {"n": u.database})
        c.execute(text(sql.format(db=u.database)))
    eng.dispose()


def build(url: str, n: int, every: int = 10) -> None:
    _admin(url, 'drop database if exists "{db}"')
    _admin(url, 'create database "{db}"')
    os.environ["HOTLINE_DATABASE_URL"] = url
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.migrate import upgrade
    from hotline.org.cities import sync_city

    engine = dbmod.configure(url)
    upgrade(url)
    dbmod.Base.metadata.create_all(engine)
    with dbmod.session_scope() as s:
        sync_city(s, current_city())
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench import _load

    t0 = time.perf_counter()
    # orders' plain indexes built once after the rows, FK triggers skipped (bench/_load.py)
    with _load.deferred_indexes(engine, ("orders",)) as built, engine.begin() as c:
        for setting in _load.SESSION:
            c.exec_driver_sql(setting)
        c.execute(text("""
            insert into orders (city_id, number, channel, kind, title, content, status, urgency, anonymous, confidential,
                pending_extension, via_subcentre, deadline_uncertain, first_contact_resolved, return_count,
                redispatch_count, reopen_count, extension_count, version, lead_unit_id, sla_policy,
                created_at, updated_at, first_dispatched_at, dispatched_at, clock_started_at,
                sign_due_at, reply_due_at, due_at, warn_at, signed_at, replied_at)
            select (select min(id) from cities), 'B' || lpad(g::text, 9, '0'), 'phone', 'complaint', '基准测试工单' || g, '基准测试内容',
                   case when g % (2 * :every) = 0 then 'replied' else 'in_progress' end, 'normal',
                   false, false, false, false, false, false, 0, 0, 0, 0, 1,
                   (select array_agg(id order by id) from units where type in ('department','street','enterprise'))
                       [1 + g % (select count(*) from units where type in ('department','street','enterprise'))],
                   'ordinary', st, st, st, st, st, st + interval '2 hours', due, due,
                   st + (due - st) * 0.75, st + interval '1 hour',
                   case when g % (2 * :every) = 0 then :now - interval '2 days' end
            from (select g,
                    case when g % (2 * :every) = 0 then :now - interval '6 days'  -- 1/(2·every): overdue
                         when g % :every = 1 then :now - interval '5 days'          -- 1/every: due soon
                         else :now - interval '1 hour' - (g % 50) * interval '1 minute' end as st,
                    case when g % (2 * :every) = 0 then :now - interval '1 day'
                         when g % :every = 1 then :now + interval '3 hours'
                         else :now + interval '5 days' end as due
                  from generate_series(1, :n) g) x
        """), {"n": n, "now": NOW, "every": every})
    with engine.begin() as c:
        c.execute(text("analyze"))
    print(f"inserted {n:,} orders in {time.perf_counter() - t0:.1f} s ({built['indexes']:.0f} indexes built after "
          f"the rows in {built['indexes_s']:.1f} s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--crossing-every", type=int, default=10,
                    help="1 order in N is due soon and 1 in 2N overdue (10 → 10 %% and 5 %%)")
    args = ap.parse_args()
    import sqlalchemy

    build(URL, args.orders, args.crossing_every)
    from hotline import db as dbmod
    from hotline.supervision.sweep import sweep

    with dbmod.get_engine().connect() as c:
        pg = c.execute(text("show server_version")).scalar()
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpu; {platform.platform()}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}; python {sys.version.split()[0]}; "
          f"sqlalchemy {sqlalchemy.__version__}; postgresql {pg}")
    for label in ("first sweep", "steady-state sweep"):
        with dbmod.session_factory()() as s:
            t0 = time.perf_counter()
            st = sweep(s, now=NOW)
            dt = time.perf_counter() - t0
        print(f"{label}: {dt:.1f} s for {args.orders:,} open orders = {args.orders / dt:,.0f} orders/s; "
              f"candidates examined {st.scanned:,}; {st}")
    dbmod.get_engine().dispose()
    if not args.keep:
        _admin(URL, 'drop database if exists "{db}"')
        print("bench database dropped")


if __name__ == "__main__":
    main()
