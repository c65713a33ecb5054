"""Orders created per second through the HTTP API on PostgreSQL, beside a plain psycopg INSERT.

What it measures: ``POST /api/v1/orders`` on a real uvicorn server (separate
process, N workers) from C concurrent HTTP clients, each request doing the full
intake — token auth, validation, order number, the order row, its timeline
event and the SMS receipt in the outbox, one transaction. The baseline, in the
same run, inserts the same order row with plain psycopg (one INSERT and commit
per row, C concurrent connections): the price of everything the platform adds.

    python bench/intake.py [--orders 2000] [--clients 8] [--workers 2] [--baseline-tree PATH] [--json]

Besides the rates it reports what does not depend on the machine's load: the SQL statements of one
intake (counted in-process over ``--count`` intakes, with the DELETEs and SELECTs among them), the lock
waits while the clients run (``pg_stat_activity`` sampled every 20 ms: backends of the bench database
whose ``wait_event_type`` is ``Lock``), and the server's CPU per intake (user + system time of the
uvicorn processes, from /proc, divided by the orders).

``--baseline-tree``: the same measurement of another checkout (e.g. ``git archive main | tar -x -C
/tmp/base``) in the same run: its server runs with that tree on PYTHONPATH, on a freshly reset database,
and the trees take turns (baseline, this tree) ``--rounds`` times so a change in load falls on both.

Environment: HOTLINE_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_intake).
The database is dropped and re-created, unless ``--reuse`` (the scale run: intakes into a loaded database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


#: ``--reuse``: intakes go into the database as it is (e.g. the 10M orders of ``bench/generate.py``), not a fresh one
REUSE = False


def reset_database() -> None:
    u = make_url(URL)
    if not REUSE:
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("select pg_terminate_backend(pid) from pg_stat_activity where datname=:n"),
                      {"n": u.database})
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
        centre, city = c.execute("select id, city_id from units where type='centre' order by id limit 1").fetchone()  # type: ignore[misc]
    chunks = [bodies[i::clients] for i in range(clients)]

    def run(idx: int, rows: list[dict]) -> None:
        with psycopg.connect(dsn, autocommit=True) as c:
            for j, b in enumerate(rows):
                now = datetime.now(UTC)
                c.execute(
                    "insert into orders (number, channel, kind, category_code, title, content, citizen_name, "
                    "citizen_phone, anonymous, confidential, address, urgency, status, pending_extension, "
                    "via_subcentre, deadline_uncertain, created_at, updated_at, first_contact_resolved, "
                    "return_count, redispatch_count, reopen_count, extension_count, version, territory_unit_id, city_id) "
                    "values (%s,'phone',%s,%s,%s,%s,%s,%s,%s,false,%s,%s,'received',false,false,false,%s,%s,false,"
                    "0,0,0,0,1,%s,%s)",
                    (f"PSQL{idx:02d}{j:07d}", b["kind"], b["category_code"], b["title"], b["content"],
                     b["citizen_name"], b["citizen_phone"], b["anonymous"], b["address"], b["urgency"], now, now,
                     centre, city))

    failed: list[BaseException] = []

    def guarded(idx: int, rows: list[dict]) -> None:
        try:
            run(idx, rows)
        except BaseException as exc:  # a baseline that fails must not print a rate
            failed.append(exc)

    threads = [threading.Thread(target=guarded, args=(i, ch)) for i, ch in enumerate(chunks)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise RuntimeError(f"the plain INSERT baseline failed: {failed[0]}")
    return time.perf_counter() - t0



def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (the uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 20 ms: how many backends of the bench database wait on a lock."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.samples: list[tuple[int, int]] = []  # (active backends, lock-waiting backends)

    def run(self) -> None:
        db = make_url(URL).database
        with psycopg.connect(URL.replace("+psycopg", ""), autocommit=True) as c:
            while not self.stop.is_set():
                row = c.execute(
                    "select count(*) filter (where state = 'active'), count(*) filter (where wait_event_type = 'Lock') "
                    "from pg_stat_activity where datname = %s and pid <> pg_backend_pid()", (db,)).fetchone()
                self.samples.append((int(row[0]), int(row[1])))  # type: ignore[index]
                time.sleep(0.02)

    def summary(self) -> dict[str, float]:
        n = max(1, len(self.samples))
        return {"lock_samples": len(self.samples),
                "lock_waiting_mean": round(sum(w for _a, w in self.samples) / n, 3),
                "lock_waiting_share": round(sum(1 for _a, w in self.samples if w) / n, 3),
                "active_mean": round(sum(a for a, _w in self.samples) / n, 2)}


def count_statements(n: int) -> dict[str, float]:
    """SQL statements of one POST /api/v1/orders, counted in-process over ``n`` intakes (this process's
    ``hotline``: the child of ``--baseline-tree`` imports the other tree's)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from hotline import db as dbmod
    from hotline.main import create_app

    token = make_token()
    bodies = demands(n + 5)
    seen: list[str] = []
    with TestClient(create_app()) as c:
        for b in bodies[:5]:  # warm-up: caches, models
            c.post("/api/v1/orders", json=b, headers={"Authorization": f"Bearer {token}"})
        event.listen(dbmod.get_engine(), "before_cursor_execute", lambda *a: seen.append(a[2]))
        for b in bodies[5:]:
            r = c.post("/api/v1/orders", json=b, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.text
    verbs = [st.lstrip().split(None, 1)[0].upper() for st in seen]
    return {"statements_per_intake": round(len(seen) / n, 2),
            "selects_per_intake": round(verbs.count("SELECT") / n, 2),
            "deletes_per_intake": round(verbs.count("DELETE") / n, 2),
            "inserts_per_intake": round(verbs.count("INSERT") / n, 2),
            "updates_per_intake": round(verbs.count("UPDATE") / n, 2)}


def measure(tree: Path, bodies: list[dict], clients: int, workers: int, count: int) -> dict[str, float]:
    """One tree's turn: reset the database, count one intake's statements, then the HTTP run."""
    reset_database()
    env = {**os.environ, "HOTLINE_DATABASE_URL": URL, "HOTLINE_ENV": "development", "PYTHONPATH": str(tree)}
    counted = json.loads(subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--_count", str(count)], env=env, cwd=tree,
        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    reset_database()
    token = make_token()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hotline.main:create_app", "--factory", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"], env=env, cwd=tree)
    base = f"http://127.0.0.1:{port}"
    sampler = LockSampler()
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(http_run(base, token, bodies[:50], clients))  # warm-up (not counted)
        cpu0 = _proc_cpu(server.pid)
        sampler.start()
        secs, lat, errors = asyncio.run(http_run(base, token, bodies, clients))
        sampler.stop.set()
        cpu1 = _proc_cpu(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    sampler.join(timeout=5)
    lat_ms = sorted(x * 1000 for x in lat)
    return {"api_per_s": round(len(bodies) / secs, 1), "p50_ms": round(statistics.median(lat_ms), 1),
            "p99_ms": round(lat_ms[int(len(lat_ms) * 0.99) - 1], 1), "errors": errors,
            "server_cpu_ms_per_intake": round((cpu1 - cpu0) * 1000 / len(bodies), 2),
            **sampler.summary(), **counted}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--count", type=int, default=20, help="intakes whose SQL statements are counted")
    ap.add_argument("--rounds", type=int, default=1, help="turns each tree takes (with --baseline-tree)")
    ap.add_argument("--baseline-tree", type=Path, help="another checkout, measured in the same run")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="file the intakes into the database as it is (HOTLINE_BENCH_PG_URL, e.g. bench/generate.py's "
                         "10M orders) instead of a fresh one; the trees then share it, one after the other")
    ap.add_argument("--_count", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    global REUSE
    REUSE = args.reuse
    if args._count:
        os.environ["HOTLINE_DATABASE_URL"] = URL
        from hotline import db as dbmod

        dbmod.configure(URL)
        print(json.dumps(count_statements(args._count)))
        return
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    reset_database()
    bodies = demands(args.orders)
    trees = {"this tree": ROOT}
    if args.baseline_tree:
        trees = {"baseline tree": args.baseline_tree.resolve(), "this tree": ROOT}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.rounds if args.baseline_tree else 1):
        for name, tree in trees.items():
            runs[name].append(measure(tree, bodies, args.clients, args.workers, args.count))
    base_secs = psycopg_run(bodies, args.clients)
    load_after = Path("/proc/loadavg").read_text().split()[:3]

    def best(rs: list[dict[str, float]]) -> dict[str, float]:
        return max(rs, key=lambda r: r["api_per_s"])

    now = best(runs["this tree"])
    res: dict[str, object] = {"api_per_s": now["api_per_s"], "baseline_per_s": round(len(bodies) / base_secs, 1),
                              "p50_ms": now["p50_ms"], "p99_ms": now["p99_ms"], "this_tree": now,
                              "orders": len(bodies), "clients": args.clients, "workers": args.workers,
                              "loadavg_before": load_before, "loadavg_after": load_after, "machine": machine()}
    if args.baseline_tree:
        res["baseline_tree"] = best(runs["baseline tree"])
        res["rounds"] = runs
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
        return
    print(f"machine: {res['machine']}; load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    print(f"orders: {len(bodies)}, concurrent clients: {args.clients}, uvicorn workers: {args.workers}")
    cols = ["api_per_s", "p50_ms", "p99_ms", "errors", "server_cpu_ms_per_intake", "statements_per_intake",
            "selects_per_intake", "deletes_per_intake", "lock_waiting_mean", "lock_waiting_share"]
    print(f"{'tree':<16}" + "".join(f"{c:>26}" for c in cols))
    for name in trees:
        r = best(runs[name])
        print(f"{name:<16}" + "".join(f"{r[c]:>26}" for c in cols))
    print(f"plain psycopg INSERT + COMMIT (baseline): {res['baseline_per_s']} orders/s")


if __name__ == "__main__":
    main()
