"""Benchmark: the hotspot map's query (``hotline.hotspots.map.map_data``) on many orders in PostgreSQL.

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_map \\
        python bench/hotspots_map.py [--orders 200000] [--runs 5] [--json]

Builds the schema, syncs the demo city, bulk-loads ``--orders`` orders over the last 120 days with
INSERT … SELECT generate_series (fixed seed): a random street, township or community as territory, a random
leaf category, and for 85 % a position in the demo city's box.  Then times, p50 and p95 of ``--runs``:

- **baseline**: the bare aggregate the map cannot do without, ``SELECT territory_unit_id, count(*) …
  GROUP BY 1`` for the period (one index-friendly scan, nothing else);
- **map_data**: the whole payload of ``/api/v1/hotspots/map`` (units, counts rolled up to the level, hot
  matters, the bounded point sample, and with ``territory`` a clicked region's orders).

Drops the database at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_map")

from bench._common import drop_db, fresh_db, header, pct  # noqa: E402

LOAD = """
INSERT INTO orders (city_id, id, number, channel, kind, category_code, title, content, citizen_phone, anonymous,
    confidential, territory_unit_id, urgency, status, pending_extension, via_subcentre, deadline_uncertain,
    created_at, updated_at, first_contact_resolved, return_count, redispatch_count, reopen_count,
    extension_count, version, latitude, longitude)
SELECT t.city, g, 'M' || lpad(g::text, 9, '0'), 'phone', 'complaint', c.codes[1 + floor(random() * array_length(c.codes, 1))::int],
    '压测工单', '压测内容', '139' || lpad((g % 100000000)::text, 8, '0'), false, false,
    t.ids[1 + floor(random() * array_length(t.ids, 1))::int], 'normal', 'closed', false, false, false,
    ts, ts, false, 0, 0, 0, 0, 1,
    CASE WHEN loc THEN 32.10 + random() * 0.30 END, CASE WHEN loc THEN 118.20 + random() * 0.42 END
FROM (SELECT g, now() - random() * interval '120 days' AS ts, random() < 0.85 AS loc
      FROM generate_series(1, :n) g) s,
     (SELECT array_agg(code) AS codes FROM categories WHERE level = 3) c,
     (SELECT array_agg(id) AS ids, min(city_id) AS city FROM units
      WHERE type IN ('street', 'township', 'community')) t
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    url = os.environ["HOTLINE_BENCH_PG_URL"]
    if not args.json:
        header("hotspot map (issue #16 item 5)")
    engine = fresh_db(url, migrate=True, verbose=False)  # migrations, tables, the demo city
    from sqlalchemy import func, select, text

    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.hotspots.map import MAX_POINTS, map_data
    from hotline.orders.models import Order
    from hotline.org.models import User

    t0 = time.perf_counter()
    with engine.begin() as c:
        c.execute(text("SELECT setseed(0.16)"))
        c.execute(text(LOAD), {"n": args.orders})
        c.execute(text("ANALYZE orders"))
    load_s = time.perf_counter() - t0
    results: dict[str, dict[str, float]] = {}
    with dbmod.session_factory()() as db:
        leader = db.scalar(select(User).where(User.username == "leader"))
        assert leader is not None
        now = utcnow()

        def baseline(days: int) -> object:
            return db.execute(select(Order.territory_unit_id, func.count(Order.id))
                              .where(Order.created_at >= now - timedelta(days=days))
                              .group_by(Order.territory_unit_id)).all()

        cases = [("baseline: GROUP BY territory, 30 days", lambda: baseline(30)),
                 ("baseline: GROUP BY territory, 90 days", lambda: baseline(90))]
        for level in ("district", "street"):
            for days in (30, 90):
                cases.append((f"map_data {level}, {days} days",
                              lambda lv=level, d=days: map_data(db, user=leader, level=lv, days=d, now=now)))
        cases.append(("map_data street, 90 days, a clicked street",
                      lambda: map_data(db, user=leader, level="street", days=90, territory="s-dongcheng-xinhua", now=now)))
        points = len(map_data(db, user=leader, level="district", days=90, now=now)["points"])
        for name, fn in cases:
            fn()  # warm
            ms = []
            for _ in range(args.runs):
                t = time.perf_counter()
                fn()
                ms.append((time.perf_counter() - t) * 1000)
            results[name] = {"p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1)}
    load = os.getloadavg()
    drop_db(url)
    out = {"orders": args.orders, "load_s": round(load_s, 1), "runs": args.runs, "points_sent": points,
           "max_points": MAX_POINTS, "loadavg": [round(x, 2) for x in load], "results": results}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(f"orders {args.orders:,} loaded in {load_s:.1f} s · points sent {points} (cap {MAX_POINTS}) · "
              f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for name, r in results.items():
            print(f"  {name:46s} p50 {r['p50_ms']:8.1f} ms  p95 {r['p95_ms']:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
