"""Generate ``--orders`` realistic orders with their records in PostgreSQL, and say what it took (issue #15 item 4).

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_gen \\
        python bench/generate.py --orders 1000000 [--jobs 2] [--chunk 250000] [--no-events] [--json]

Drops and creates the database, then loads it with ``bench/_load.py`` (the loader the KPI, export and
hotspot-page benches use): orders, lead assignments, KPI limits, approved returns, evaluations,
designations and timeline events. Prints rows and seconds per table, the index build and VACUUM
ANALYZE, the total, the database size and the size per million orders. Keeps the database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_gen")
os.environ.setdefault("HOTLINE_DATABASE_URL", URL)

from bench import _load  # noqa: E402
from bench._common import header  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=2, help="connections loading chunks and building indexes at once")
    ap.add_argument("--chunk", type=int, default=250_000, help="orders per transaction")
    ap.add_argument("--no-events", action="store_true", help="skip the timeline events (the largest table)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.json:
        header(f"bulk loader: {args.orders:,} orders")
    rep = _load.load(args.orders, url=URL, chunk=args.chunk, jobs=args.jobs, events=not args.no_events,
                     log=(lambda _m: None) if args.json else print)
    out = rep.as_dict() | {"jobs": args.jobs, "chunk": args.chunk, "load_avg": list(os.getloadavg())}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"total {out['total_s']} s · database {out['db_mb']} MB · {out['mb_per_million_orders']} MB per million "
              f"orders · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
