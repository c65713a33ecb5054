"""Orders created per second through the HTTP API on PostgreSQL, beside a plain psycopg INSERT.

What it measures: ``POST /api/v1/orders`` on a real uvicorn server (separate
process, N workers) from C concurrent HTTP clients, each request doing the full
intake — token auth, validation, order number, the order row, its timeline
event and the SMS receipt in the outbox, one transaction. The baseline, in the
same run, inserts the same order row with plain psycopg (one INSERT and commit
per row, C concurrent connections): the price of everything the platform adds.

    python bench/intake.py [--orders 2000] [--clients 8] [--workers 2]

Environment: HOTLINE_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_intake).
The database is dropped and re-created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_intake")


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with psycopg.connect(URL.replace("+psycopg", "")) as c:
        pg = c.execute("show server_version").fetchone()[0]  # type: ignore[index]
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {pg}, "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def reset_database() -> None:
    u = make_url(URL)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("select pg_terminate_backend(pid) from pg_stat_activity where datname=:n"), {"n": u.database})
        c.execute(text(f'drop database if exists "{u.database}"'))
        c.execute(text(f'create database "{u.database}"'))
    admin.dispose()
    os.environ["HOTLINE_DATABASE_URL"] = URL
    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.migrate import upgrade
    from hotline.org.cities import sync_city

    upgrade(URL)
    dbmod.configure(URL)
    with dbmod.session_scope() as s:
        sync_city(s, current_city())


def make_token() -> str:
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.org.auth import create_api_token
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        user = s.scalar(select(User).where(User.username == "operator1"))
        return create_api_token(s, user, "bench")


def demands(n: int) -> list[dict]:
    from hotline.city.service import current_city
    from hotline.demo.texts import generate_demands

    out = []
    for d in generate_demands(current_city(), n, seed=7):
        out.append({"kind": d.kind.value, "title": d.title, "content": d.content, "category_code": d.category_code,
                    "citizen_name": d.citizen_name, "citizen_phone": d.phone, "anonymous": d.anonymous,
                    "address": d.address, "territory_code": d.territory_code, "urgency": d.urgency})
    return out


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def http_run(base: str, token: str, bodies: list[dict], clients: int) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    lat: list[float] = []
    errors = 0

    async def worker(c: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            t = time.perf_counter()
            r = await c.post("/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"})
            lat.append(time.perf_counter() - t)
            if r.status_code != 201:
                errors += 1

    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for _ in range(clients)))
        return time.perf_counter() - t0, lat, errors


def psycopg_run(bodies: list[dict], clients: int) -> float:
    """The same order row, inserted and committed one by one from ``clients`` connections."""
    dsn = URL.replace("+psycopg", "")
    with psycopg.connect(dsn) as c:
        centre = c.execute("select id from units where type='centre'").fetchone()[0]  # type: ignore[index]
    chunks = [bodies[i::clients] for i in range(clients)]

    def run(idx: int, rows: list[dict]) -> None:
        with psycopg.connect(dsn, autocommit=True) as c:
            for j, b in enumerate(rows):
                now = datetime.now(UTC)
                c.execute(
                    "insert into orders (number, channel, kind, category_code, title, content, citizen_name, "
                    "citizen_phone, anonymous, confidential, address, urgency, status, pending_extension, "
                    "via_subcentre, deadline_uncertain, created_at, updated_at, first_contact_resolved, "
                    "return_count, redispatch_count, reopen_count, extension_count, version, territory_unit_id) "
                    "values (%s,'phone',%s,%s,%s,%s,%s,%s,%s,false,%s,%s,'received',false,false,false,%s,%s,false,"
                    "0,0,0,0,1,%s)",
                    (f"PSQL{idx:02d}{j:07d}", b["kind"], b["category_code"], b["title"], b["content"],
                     b["citizen_name"], b["citizen_phone"], b["anonymous"], b["address"], b["urgency"], now, now,
                     centre))

    threads = [threading.Thread(target=run, args=(i, ch)) for i, ch in enumerate(chunks)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    reset_database()
    token = make_token()
    bodies = demands(args.orders)
    port = free_port()
    env = {**os.environ, "HOTLINE_DATABASE_URL": URL, "HOTLINE_ENV": "development"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hotline.main:create_app", "--factory", "--port", str(port),
         "--workers", str(args.workers), "--log-level", "warning"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(http_run(base, token, bodies[:50], args.clients))  # warm-up (not counted)
        secs, lat, errors = asyncio.run(http_run(base, token, bodies, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=30)
    base_secs = psycopg_run(bodies, args.clients)

    api_rate = len(bodies) / secs
    sql_rate = len(bodies) / base_secs
    lat_ms = sorted(x * 1000 for x in lat)
    print(f"machine: {machine()}")
    print(f"orders: {len(bodies)}, concurrent clients: {args.clients}, uvicorn workers: {args.workers}, "
          f"errors: {errors}")
    print(f"{'path':<44} {'orders/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'HTTP API POST /api/v1/orders (full intake)':<44} {api_rate:9.1f} "
          f"{statistics.median(lat_ms):8.1f} {lat_ms[int(len(lat_ms) * 0.99) - 1]:8.1f}")
    print(f"{'plain psycopg INSERT + COMMIT (baseline)':<44} {sql_rate:9.1f} {'':>8} {'':>8}")
    print(f"ratio API / plain INSERT: {api_rate / sql_rate:.3f}")


if __name__ == "__main__":
    main()
