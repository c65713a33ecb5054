"""Benchmark: outbox retention (hotline.outbox.retention) over N old delivered notices on PostgreSQL.

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_retention \
        .venv/bin/python bench/outbox_retention.py [--rows 100000] [--seed-orders 150]

Builds a fresh database (migrations), loads the demo city with ``--seed-orders`` demo orders through
the real flows and one webhook subscription to every event, so the outbox holds real notices (SMS
receipts, inbox notices, webhook bodies) with their real payloads and dedupe keys.  It then copies
those rows (keys made unique) into ``--rows`` rows sent 120 days ago, one webhook attempt per webhook
row, and reports:

* which is the bulk: average payload and row bytes by channel, full and compacted;
* the baseline: one unbatched DELETE + UPDATE of the same rows in one transaction (rolled back), i.e.
  how long a single statement would hold its locks;
* ``retention.prune`` itself: total time, batches, the longest batch (the longest any lock is held).

The database is dropped and made again at the start; drop it after with dropdb.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from bench._common import PG_URL, fresh_db, header  # noqa: E402

URL = os.environ.get("HOTLINE_BENCH_PG_URL", PG_URL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seed-orders", type=int, default=150)
    ap.add_argument("--days", type=int, default=90)
    args = ap.parse_args()
    header(f"outbox retention: {args.rows} old rows, retention {args.days} days")
    load0 = os.getloadavg()
    engine = fresh_db(URL, migrate=True)

    from hotline import db as dbmod
    from hotline.city.models import City
    from hotline.city.service import current_city
    from hotline.city.tenancy import acting_as, scope_of
    from hotline.demo.seed import seed_demo
    from hotline.outbox import retention
    from hotline.outbox.service import deliver
    from hotline.webhooks.models import WebhookSubscription

    with dbmod.session_scope() as s:
        s.add(WebhookSubscription(name="bench", url="https://receiver.example/h", secret="whsec_bench", events=["*"]))
    t0 = time.perf_counter()
    with dbmod.session_scope() as s:
        seed_demo(s, current_city(), orders=args.seed_orders)
    now = dbmod.utcnow()
    with dbmod.session_scope() as s:  # the inbox is local: deliver it, so its rows are `sent` like in life
        deliver(s, now=now, channels=("inbox",))
    print(f"seeded {args.seed_orders} demo orders in {time.perf_counter() - t0:.1f} s")

    with engine.begin() as c:
        tmpl = c.execute(text("select count(*) from outbox")).scalar_one()
        k = -(-args.rows // tmpl)
        old = now - timedelta(days=120)
        c.execute(text("""
            insert into outbox (city_id, uid, created_at, topic, channel, recipient, order_id, payload, dedupe_key,
                                state, attempts, next_attempt_at, sent_at, last_error)
            select t.city_id, 'msg_b' || g || '_' || t.id, :old, t.topic, t.channel, t.recipient, t.order_id,
                   t.payload, case when t.dedupe_key is null then null else t.dedupe_key || '~b' || g end,
                   'sent', 1, :old, :old, null
            from outbox t cross join generate_series(1, :k) g
            order by g, t.id limit :n"""), {"old": old, "k": k, "n": args.rows})
        c.execute(text("""insert into webhook_attempts (city_id, message_id, at, status_code, ok)
                          select city_id, id, created_at, 200, true from outbox
                          where channel = 'webhook' and created_at = :old"""), {"old": old})
        c.execute(text("analyze outbox; analyze webhook_attempts"))
    # the copies' keys end in '~b{g}', so their prefix (what retention reads) is the original's
    with engine.connect() as c:
        print(f"template: {tmpl} real rows; copies: {args.rows}; "
              f"webhook attempts: {c.execute(text('select count(*) from webhook_attempts')).scalar_one()}")
        print("\nbulk (old rows) by channel: rows, avg payload bytes, avg row bytes, share of all row bytes")
        rows = c.execute(text("""select channel, count(*), avg(pg_column_size(payload))::int,
                                        avg(pg_column_size(o.*))::int, sum(pg_column_size(o.*))
                                 from outbox o where created_at = :old group by channel order by 5 desc"""),
                         {"old": old}).all()
        total = sum(r[4] for r in rows)
        for ch, n, p, rb, tot in rows:
            print(f"  {ch:8} {n:7} payload {p:5} B  row {rb:5} B  {100 * tot / total:5.1f} %")
        keys = c.execute(text("select dedupe_key from outbox where created_at = :old"), {"old": old}).scalars().all()
        final = sum(1 for key in keys if retention.is_final(key))
        print(f"  would delete {final} ({100 * final / len(keys):.1f} %), compact {len(keys) - final}")
        size0 = c.execute(text("select pg_total_relation_size('outbox') + pg_total_relation_size('webhook_attempts')"
                               )).scalar_one()

    cutoff = now - timedelta(days=args.days)
    prefixes = tuple(retention.FINAL_PREFIXES)
    with engine.connect() as c:  # the baseline: one unbatched statement pair, rolled back
        tx = c.begin()
        t = time.perf_counter()
        is_final = "(dedupe_key is null or split_part(dedupe_key, ':', 1) = any(:p))"
        where = ("state in ('sent','cancelled') and compacted_at is null and created_at < :cut "
                 "and (sent_at is null or sent_at < :cut)")
        d = c.execute(text(f"delete from outbox where {where} and {is_final}"), {"cut": cutoff, "p": list(prefixes)})
        u = c.execute(text(f"update outbox set payload = '{{}}', last_error = null, compacted_at = :now "
                           f"where {where} and not {is_final}"), {"cut": cutoff, "p": list(prefixes), "now": now})
        base = time.perf_counter() - t
        tx.rollback()
    print(f"\nbaseline, one transaction (rolled back): deleted {d.rowcount} compacted {u.rowcount} "
          f"in {base:.2f} s — every row locked for all of it")

    factory = dbmod.session_factory()
    batch_times: list[float] = []
    stats = retention.PruneStats(cutoff=cutoff)
    with factory() as s:
        scopes = [scope_of(city) for city in s.scalars(select(City).where(City.kind == "city").order_by(City.id))]
        size = retention.batch_size(s)
    with acting_as(scopes[0]), factory() as s:  # the plan of one batch's read: the partial index, per city
        from hotline.outbox.models import OutboxMessage

        newest = retention.newest_id(s)
        stmt = retention._candidates(cutoff, size, None, lock=True, newest=newest).where(
            OutboxMessage.city_id == scopes[0].id)
        sql = stmt.compile(s.get_bind(), compile_kwargs={"render_postcompile": True})  # (the city's criterion
        plan = [r[0] for r in s.connection().exec_driver_sql("explain " + str(sql), sql.params)]  # written out)
        print("plan of a batch's read:\n  " + "\n  ".join(plan))
    t = time.perf_counter()
    for scope in scopes:  # the demo has two cities; each prunes its own rows, like the worker's pass
        with acting_as(scope), factory() as s:
            newest = retention.newest_id(s)
            while True:
                b = time.perf_counter()
                if retention.prune_batch(s, stats, limit=size, now=now, actor_label="bench", newest=newest) is None:
                    break
                batch_times.append(time.perf_counter() - b)
    total_s = time.perf_counter() - t
    print(f"retention.prune: {stats} in {total_s:.2f} s ({args.rows / total_s:,.0f} rows/s); batch {size} rows: "
          f"median {1000 * statistics.median(batch_times):.0f} ms, max {1000 * max(batch_times):.0f} ms")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("vacuum analyze outbox"))
        c.execute(text("vacuum analyze webhook_attempts"))
        left = c.execute(text("select count(*), avg(pg_column_size(o.*))::int from outbox o "
                              "where compacted_at is not null")).one()
        attempts = c.execute(text("select count(*) from webhook_attempts")).scalar_one()
        live = c.execute(text("select sum(pg_column_size(o.*)) from outbox o where created_at = :old"),
                         {"old": old}).scalar_one()
        size1 = c.execute(text("select pg_total_relation_size('outbox') + pg_total_relation_size('webhook_attempts')"
                               )).scalar_one()
        c.execute(text("vacuum full outbox"))
        c.execute(text("vacuum full webhook_attempts"))
        size2 = c.execute(text("select pg_total_relation_size('outbox') + pg_total_relation_size('webhook_attempts')"
                               )).scalar_one()
    print(f"after: {left[0]} compacted rows of {left[1]} B each kept; webhook attempts left {attempts}; "
          f"old rows' bytes {total:,} → {live or 0:,}")
    print(f"tables + indexes: {size0 / 2**20:.1f} MiB before, {size1 / 2**20:.1f} MiB after (VACUUM: space reusable),"
          f" {size2 / 2**20:.1f} MiB after VACUUM FULL")
    t = time.perf_counter()  # nothing left to prune: the second pass is an index probe per city
    for scope in scopes:
        with acting_as(scope):
            again = retention.prune(factory, now=now, days=args.days)
            assert again.deleted == again.compacted == 0, again
    print(f"a second prune (every city): nothing in {1000 * (time.perf_counter() - t):.1f} ms")
    print(f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
