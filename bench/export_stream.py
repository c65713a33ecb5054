"""A year's order export, streamed (issue #15 item 2): memory and speed of ``GET /api/v1/exports/orders.csv``.

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_export \\
        .venv/bin/python bench/export_stream.py [--orders 200000] [--json]

Loads a year of realistic orders into PostgreSQL with ``bench/kpi_dashboard.py``'s bulk loader, then exports
every order as the dispatcher would, through ``imports.export.stream_csv`` (keyset batches, what the endpoint
streams), and measures time to the first chunk, rows per second and the peak of Python allocations
(``tracemalloc``) while streaming. Baselines from the same run:

- *whole file in memory*: the same chunks joined into one body before sending (what a non-streamed response
  holds);
- *old paging*: the pre-streaming reader (``orders.service.list_orders`` page after page of 200 with OFFSET and a
  count per page), timed over its cap of 20,000 rows and over the same 20,000 rows by keyset.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import kpi_dashboard  # noqa: E402
from bench._common import drop_db, header  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.json:
        header("order export: streamed CSV of a year")
    kpi_dashboard.setup(args.orders)

    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.imports import export
    from hotline.orders import service
    from hotline.org.models import Unit, User

    with dbmod.session_scope() as s:
        centre = s.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).limit(1))
        s.add(User(username="bench_dispatcher", name="派单员", role="dispatcher", unit_id=centre,
                   password_hash="!"))
    out: dict[str, object] = {"orders": args.orders}
    with dbmod.read_session_factory()() as db:
        user = db.scalar(select(User).where(User.username == "bench_dispatcher"))
        f = service.OrderFilter()
        t0 = time.perf_counter()
        plain = sum(chunk.count(b"\n") for chunk in export.stream_csv(db, user=user, f=f)) - 1
        out["plain_rows_per_s"] = round(plain / (time.perf_counter() - t0))  # without tracemalloc's cost
        db.rollback()
        tracemalloc.start()
        t0 = time.perf_counter()
        first = None
        size = rows = 0
        for chunk in export.stream_csv(db, user=user, f=f):
            if first is None:
                first = time.perf_counter() - t0
            size += len(chunk)
            rows += chunk.count(b"\n")
        total = time.perf_counter() - t0
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.update({"streamed_rows": rows - 1, "streamed_mb": round(size / 2**20, 1), "first_chunk_ms": round(first * 1000, 1),
                    "streamed_s": round(total, 1), "rows_per_s": round((rows - 1) / total),
                    "stream_peak_mb": round(peak / 2**20, 1)})
        db.rollback()
        tracemalloc.start()
        body = b"".join(export.stream_csv(db, user=user, f=f))
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["whole_body_peak_mb"] = round(peak / 2**20, 1)
        del body
        db.rollback()
        cap = min(export.MAX_ROWS, args.orders)
        t0 = time.perf_counter()
        page = n = 0
        while n < cap:
            page += 1
            _total, got = service.list_orders(db, user=user, f=f, page=page, size=200)
            if not got:
                break
            n += len(got)
            db.expunge_all()
            user = db.merge(user)
        out["old_paging_20k_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        n = 0
        for batch in export._batches(db, user=user, f=f, scope=None, limit=cap):
            n += len(batch)
        out["keyset_20k_s"] = round(time.perf_counter() - t0, 2)
    drop_db(kpi_dashboard.URL)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
