"""CPU of one intake in process: ``POST /api/v1/orders`` through TestClient, no HTTP server.

Why: under load the wall-clock rates of ``bench/intake.py`` move with the machine; the process CPU time
of an intake does not (much), and a cProfile of the steady state says where it goes. The database is
re-created (SQLite in a temp dir by default, or ``--url`` for PostgreSQL), ``--warmup`` intakes fill the
caches, then ``--orders`` intakes are timed (``time.process_time``, this process only: the database
server's CPU is not counted) and, with ``--profile``, profiled.

    python bench/intake_profile.py [--url postgresql+psycopg://…] [--orders 50] [--profile] [--top 40] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--orders", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sql", action="store_true", help="print the statements of the last intake (stderr)")
    args = ap.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='intake-prof-')) / 'p.sqlite3'}"
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.setdefault("HOTLINE_ENV", "development")
    import intake as bench  # bench/intake.py: the same database set-up, token and demands

    bench.URL = url
    if url.startswith("postgresql"):
        bench.reset_database()
    else:
        from hotline import db as dbmod
        from hotline.city.service import current_city
        from hotline.migrate import upgrade
        from hotline.org.cities import sync_city

        upgrade(url)
        dbmod.configure(url)
        with dbmod.session_scope() as s:
            sync_city(s, current_city())
    from fastapi.testclient import TestClient

    from hotline.main import create_app

    token = bench.make_token()
    bodies = bench.demands(args.warmup + args.orders)
    head = {"Authorization": f"Bearer {token}"}
    prof = cProfile.Profile()
    if args.profile:
        # cProfile sees one thread: run the sync endpoints and dependencies inline in the event loop's
        # thread (TestClient sends one request at a time) and switch the profiler on in that thread.
        import anyio.to_thread

        async def inline(func, *a, **_kw):  # type: ignore[no-untyped-def]
            return func(*a)

        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    with TestClient(create_app()) as c:
        for b in bodies[:args.warmup]:
            assert c.post("/api/v1/orders", json=b, headers=head).status_code == 201
        t0 = time.process_time()
        w0 = time.perf_counter()
        if args.profile:
            c.portal.call(prof.enable)  # type: ignore[union-attr]
        seen: list[str] = []
        for i, b in enumerate(bodies[args.warmup:]):
            if args.sql and i == args.orders - 1:
                from sqlalchemy import event

                from hotline import db as dbmod

                event.listen(dbmod.get_engine(), "before_cursor_execute", lambda *a: seen.append(a[2]))
            r = c.post("/api/v1/orders", json=b, headers=head)
            assert r.status_code == 201, r.text
        if args.profile:
            c.portal.call(prof.disable)  # type: ignore[union-attr]
        cpu = time.process_time() - t0
        wall = time.perf_counter() - w0
    res = {"db": url.split(":", 1)[0], "orders": args.orders, "cpu_ms_per_intake": round(cpu * 1000 / args.orders, 2),
           "wall_ms_per_intake": round(wall * 1000 / args.orders, 2), "profiled": args.profile,
           "loadavg": Path("/proc/loadavg").read_text().split()[:3]}
    if args.json:
        print(json.dumps(res))
    else:
        print(res)
    for st in seen:
        print(" ".join(st.split())[:300], file=sys.stderr)
    if args.profile:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue(), file=sys.stderr)


if __name__ == "__main__":
    main()
