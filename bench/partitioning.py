"""Monthly partitions (issue #15 item 3): how long `hotline db partition` takes, and what it does to
the queries that read the event tables — `bench/partitioning.py`.

On a seeded PostgreSQL database (``hotline seed --orders N``; it is converted, so use a scratch copy),
adds ``--events`` order events and a tenth as many audit rows spread over the last 24 months (on the
seeded orders), then times, before and after the conversion, in the same run:

- the timeline of one order (``order_id = ?``, the order page and API);
- a month's audit log (the admin audit page's filter: ``at`` in one month, newest 50);
- a month's order events counted by action (a report's scan of one month).

    HOTLINE_DATABASE_URL=postgresql+psycopg://…/scratch .venv/bin/python bench/partitioning.py [--events 2000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import attach_db, header  # noqa: E402

QUERIES = {
    "one order's timeline": "select * from order_events where city_id = :c and order_id = :o order by at, id",
    "a month's audit log, newest 50": "select * from audit_log where city_id = :c and at >= :lo and at < :hi "
                                      "order by at desc, id desc limit 50",
    "a month's events by action": "select action, count(*) from order_events where city_id = :c and at >= :lo "
                                  "and at < :hi group by action",
}


def _inflate(engine, events: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with engine.begin() as c:
        for table, n in (("order_events", events), ("audit_log", events // 10)):
            cols = ("order_id, at, actor_label, actor_role, action, data, city_id" if table == "order_events"
                    else "at, actor_label, action, entity, entity_id, data, city_id")
            vals = ("o.id, now() - random() * interval '730 days', 'bench', 'operator', "
                    "(array['comment','sign','dispatch','reply','urge'])[1 + floor(random() * 5)::int], '{}', o.city_id"
                    if table == "order_events" else
                    "now() - random() * interval '730 days', 'bench', 'bench.audit', 'user', g::text, '{}', o.city_id")
            c.execute(text(f"""
                with ids as (select array_agg(id order by id) a, min(city_id) city from orders where city_id = (
                             select min(city_id) from orders))
                insert into {table} ({cols})
                select {vals} from ids, generate_series(1, :n) g
                cross join lateral (select ids.a[1 + (g % array_length(ids.a, 1))] id, ids.city city_id) o
            """), {"n": n})
        c.execute(text("analyze order_events; analyze audit_log"))


def _time(engine, runs: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from sqlalchemy import text

    with engine.connect() as c:
        city, order = c.execute(text("select city_id, order_id from order_events group by 1, 2 "
                                     "order by count(*) desc limit 1")).one()
        now = datetime.now(UTC)
        lo = datetime(now.year - 1, now.month, 1, tzinfo=UTC)
        hi = datetime(lo.year + (lo.month == 12), lo.month % 12 + 1, 1, tzinfo=UTC)
        out = {}
        for name, sql in QUERIES.items():
            args = {"c": city, "o": order, "lo": lo, "hi": hi}
            c.execute(text(sql), args).all()  # warm
            ts = []
            for _ in range(runs):
                t0 = time.perf_counter()
                c.execute(text(sql), args).all()
                ts.append((time.perf_counter() - t0) * 1000)
            out[name] = statistics.median(ts)
    return out


def main() -> None:
    import os

    from sqlalchemy import text

    from hotline.partitions import service

    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    header("Monthly partitions: conversion and queries (bench/partitioning.py)")
    engine = attach_db(os.environ["HOTLINE_DATABASE_URL"])
    with engine.connect() as c:
        if service.is_partitioned(c, "order_events"):
            sys.exit("already partitioned: run on a fresh scratch copy")
    t0 = time.perf_counter()
    _inflate(engine, args.events)
    print(f"inflated in {time.perf_counter() - t0:.0f} s")
    with engine.connect() as c:
        for t in service.DEFAULT_TABLES:
            rows = c.scalar(text(f"select count(*) from {t}"))
            size = c.scalar(text(f"select pg_size_pretty(pg_total_relation_size('{t}'))"))
            print(f"{t}: {rows} rows, {size}")
    before = _time(engine, args.runs)
    for t in service.DEFAULT_TABLES:
        res = service.convert(engine, t)
        print(f"convert {t}: {res.rows} rows into {res.partitions} partitions in {res.seconds:.1f} s")
    after = _time(engine, args.runs)
    print(f"| query (median of {args.runs}) | plain table | partitioned |")
    print("|---|---|---|")
    for name in QUERIES:
        print(f"| {name} | {before[name]:.2f} ms | {after[name]:.2f} ms |")


if __name__ == "__main__":
    main()
