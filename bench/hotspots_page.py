"""Benchmark: the /hotspots page and a hot matter's page at 1,000,000 orders (issue #16 item 7).

    HOTLINE_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_hotpage \
        python bench/hotspots_page.py [--orders 1000000] [--matters 100000] [--runs 60] [--json]

Loads ``--orders`` orders of a year into PostgreSQL with ``bench/kpi_dashboard.py``'s loader (INSERT … SELECT
generate_series: orders with lead assignments, limits, returns and evaluations), the demo city's users, then
``--matters`` stored hot matters as years of hourly re-groupings leave them (one in five active, one in fifty a
systemic problem) with their member orders (``hot_matter_orders``: 2–41 orders each for the active ones). Then,
logged in as the demo's ``leader`` through the login form, it GETs ``/hotspots`` and the page of the largest
active matter ``--runs`` times each (in-process ASGI call, the server's render time without a network).

Baseline in the same run: the page's three reads alone as raw SQL (the 50 hottest active place matters, the 50
hottest systemic problems, ``max(refreshed_at)``), which the page cannot do without.  The target is ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_hotpage")
os.environ["HOTLINE_DATABASE_URL"] = URL  # the app under test reads the loaded database
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TARGET_MS = 300.0


def _pct(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[max(0, int(0.95 * len(times)) - 1)], 1)}


def load(orders: int, matters: int) -> dict[str, int]:
    from sqlalchemy import func, insert, select, text

    import bench.kpi_dashboard as kpi

    kpi.URL = URL
    t0 = time.perf_counter()
    kpi.setup(orders)  # drops and creates the database, migrations, the demo city, the orders and their records
    loaded_s = time.perf_counter() - t0
    from hotline import db as dbmod
    from hotline.city.models import City
    from hotline.city.service import current_city
    from hotline.hotspots.models import HotMatter, HotMatterOrder
    from hotline.org.cities import sync_city

    with dbmod.session_scope() as s:
        sync_city(s, current_city())  # the demo's users (kpi.setup loads none): the leader logs in
    engine = dbmod.configure(URL)
    with engine.begin() as c:
        city = c.scalar(select(func.min(City.id)))
        first = int(c.scalar(text("SELECT min(id) FROM orders")) or 1)
        rows, links, nxt = [], [], first
        for k in range(matters):
            active = k % 5 == 0
            size = 2 + k % 40
            rows.append({"city_id": city, "id": k + 1, "kind": "systemic" if k % 50 == 0 else "place",
                         "name": f"热点{k} · 夜间施工噪音", "place": f"新华路{k % 300}号", "places": [], "units": [],
                         "size": size, "volume": size, "heat": (k * 7919) % 1000 / 10, "growth": 0.0,
                         "active": active, "state": "open", "first_at": NOW - timedelta(days=k % 30),
                         "last_at": NOW, "created_at": NOW - timedelta(hours=k % 9000),
                         "refreshed_at": NOW - timedelta(minutes=k % 600), "version": 1})
            if active and k % 50 and nxt + size <= first + orders:  # a place matter's members: one matter an order
                links += [{"city_id": city, "hot_matter_id": k + 1, "order_id": nxt + i} for i in range(size)]
                nxt += size
        for s in range(0, len(rows), 10_000):
            c.execute(insert(HotMatter.__table__), rows[s:s + 10_000])
        for s in range(0, len(links), 20_000):
            c.execute(insert(HotMatterOrder.__table__), links[s:s + 20_000])
        c.execute(text("ANALYZE hot_matters"))
        c.execute(text("ANALYZE hot_matter_orders"))
        n_orders = c.scalar(text("SELECT count(*) FROM orders"))
    return {"orders": int(n_orders or 0), "hot_matters": matters, "member_rows": len(links),
            "load_s": round(loaded_s, 1)}


def measure(runs: int) -> dict[str, object]:
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from hotline import db as dbmod
    from hotline.main import create_app

    engine = dbmod.configure(URL)
    base = []
    with engine.connect() as c:
        city = c.scalar(text("SELECT min(id) FROM cities"))
        for _ in range(runs):
            t = time.perf_counter()
            for kind in ("place", "systemic"):
                c.execute(text("SELECT * FROM hot_matters WHERE city_id = :c AND kind = :k AND active "
                               "ORDER BY heat DESC, id LIMIT 50"), {"c": city, "k": kind}).all()
            c.execute(text("SELECT max(refreshed_at) FROM hot_matters WHERE city_id = :c"), {"c": city}).scalar()
            base.append((time.perf_counter() - t) * 1000)
        top = c.scalar(text("SELECT m.id FROM hot_matters m WHERE m.active AND m.kind = 'place' "
                            "ORDER BY m.size DESC, m.id LIMIT 1"))
    out: dict[str, object] = {"baseline_raw_sql": _pct(base)}
    with TestClient(create_app(), raise_server_exceptions=True) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "no login form"
        r = client.post("/login", data={"username": "leader", "password": "demo12345", "next": "/",
                                         "csrf_token": token.group(1)}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        for name, path in (("hotspots_page", "/hotspots"), ("matter_page", f"/hotspots/{top}")):
            r = client.get(path)  # warm-up: templates compiled, caches filled
            assert r.status_code == 200 and "热点" in r.text, (path, r.status_code)
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - t) * 1000)
            out[name] = {**_pct(times), "path": path.replace(str(top), "{largest}")}
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--matters", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--reuse", action="store_true", help="time the database loaded by an earlier run")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    from bench._common import header

    if not a.json:
        header("the /hotspots page at scale (issue #16 item 7)")
    out: dict[str, object] = {"load_before": os.getloadavg()[0]}
    if not a.reuse:
        out.update(load(a.orders, a.matters))
    else:
        from hotline import registry
        registry.install()
    out.update(measure(a.runs))
    out["load_after"] = os.getloadavg()[0]
    out["target_ms"] = TARGET_MS
    print(json.dumps(out, ensure_ascii=False) if a.json else json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
