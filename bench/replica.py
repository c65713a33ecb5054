"""A real hot standby: how far behind is it, and do the replica-routed reads work on it? (issue #15 item 3)

Builds a throw-away primary (port 5440) and a streaming-replication standby (5441, ``pg_basebackup -R``)
with this machine's PostgreSQL binaries, in a temporary folder, as the ``postgres`` user; migrates the
primary and syncs the demo city (the standby gets it by replication). Then, while a writer files orders
on the primary through ``orders.flows.do_create_order`` (every hook on), a reader polls the standby
through ``db.replica_session_factory`` for each new order number: the **visibility lag** is the time
from the writer's commit to the order being found on the standby. Also timed on both, in the same run:
the leader's dashboard query (``kpi.service.dashboard`` for the month). Last, the standby is stopped and
the time until ``replica_session_factory()`` gives up on it (falls back to the primary) is measured.

    .venv/bin/python bench/replica.py [--orders 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import fresh_db, header, pct  # noqa: E402

PRIMARY, STANDBY = 5440, 5441


def _bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else 0)
    return versions[-1] / "bin"


def _as_postgres(*cmd: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def clusters(root: Path) -> None:
    b = _bin()
    shutil.chown(root, "postgres") if os.geteuid() == 0 else None
    _as_postgres(str(b / "initdb"), "-D", str(root / "primary"), "--auth=trust", "-U", "postgres", "-E", "UTF8")
    opts = f"-p {PRIMARY} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _as_postgres(str(b / "pg_ctl"), "-D", str(root / "primary"), "-o", opts, "-l", str(root / "primary.log"),
                 "-w", "start")
    _as_postgres(str(b / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(PRIMARY), "-U", "postgres",
                 "-D", str(root / "standby"), "-R", "-X", "stream")
    _as_postgres(str(b / "pg_ctl"), "-D", str(root / "standby"), "-o", opts.replace(str(PRIMARY), str(STANDBY)),
                 "-l", str(root / "standby.log"), "-w", "start")


def stop(root: Path, name: str) -> None:
    try:
        _as_postgres(str(_bin() / "pg_ctl"), "-D", str(root / name), "-m", "immediate", "-w", "stop")
    except subprocess.CalledProcessError:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hotline-replica-"))
    out: dict[str, object] = {}
    try:
        clusters(root)
        primary = f"postgresql+psycopg://postgres@127.0.0.1:{PRIMARY}/hotline_bench"
        standby = f"postgresql+psycopg://postgres@127.0.0.1:{STANDBY}/hotline_bench"
        os.environ["HOTLINE_REPLICA_DATABASE_URL"] = standby
        if not args.json:
            header("read replica: visibility lag and replica-routed reads")
        fresh_db(primary, migrate=True, verbose=not args.json)
        out.update(run(args.orders, standby, root))
    finally:
        stop(root, "standby")
        stop(root, "primary")
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")


def run(n: int, standby: str, root: Path) -> dict[str, object]:
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.demo.seed import ensure_unit_accounts
    from hotline.kpi import periods
    from hotline.kpi import service as kpi
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.orders.models import Order
    from hotline.org.models import Category, User

    with dbmod.session_scope() as s:
        ensure_unit_accounts(s)
    with dbmod.session_scope() as s:
        operator_id = s.scalar(select(User.id).where(User.role == "operator"))
        leaf = s.scalar(select(Category.code).where(Category.level == 3).limit(1))
    factory = dbmod.replica_session_factory()
    assert factory is not None, "the standby is not used"
    committed: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def writer() -> None:
        for i in range(n):
            with dbmod.session_scope() as s:
                actor = Actor.of(s.get(User, operator_id))
                o = do_create_order(s, actor=actor, data={
                    "kind": "complaint", "title": f"路灯不亮 {i}", "content": f"东城区人民路{i}号门口的路灯已经一周不亮了，晚上很黑。",
                    "citizen_name": "张伟", "citizen_phone": f"138{i:08d}", "address": f"青阳市东城区人民路{i}号",
                    "channel": "phone", "urgency": "normal", "category_code": leaf})
                s.flush()
                number = o.number
            committed[number] = time.perf_counter()
        done.set()

    def reader() -> None:
        with factory() as r:
            while not (done.is_set() and len(seen) >= len(committed)):
                for number in [x for x in list(committed) if x not in seen]:
                    if r.execute(select(Order.id).where(Order.number == number)).first() is not None:
                        seen[number] = time.perf_counter()
                r.rollback()  # a new snapshot for the next poll
                time.sleep(0.002)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    dash_primary: list[float] = []
    dash_replica: list[float] = []
    today = periods.local_date(dbmod.utcnow())
    period = periods.month(today.year, today.month)
    while not done.is_set():
        for fac, xs in ((dbmod.session_factory(), dash_primary), (factory, dash_replica)):
            with fac() as s:
                a = time.perf_counter()
                kpi.dashboard(s, period)
                xs.append((time.perf_counter() - a) * 1000)
    for t in threads:
        t.join(timeout=120)
    wall = time.perf_counter() - t0
    lags = [(seen[k] - committed[k]) * 1000 for k in committed if k in seen]
    stop(root, "standby")
    a = time.perf_counter()
    dbmod._replica_checked = (-1e9, 0.0)  # the next read measures at once, as it would within 5 s
    gave_up = dbmod.replica_session_factory() is None
    fallback_ms = (time.perf_counter() - a) * 1000
    return {
        "orders": n, "orders_per_s": round(n / wall, 1), "found_on_standby": len(lags),
        "lag_p50_ms": round(pct(lags, 50), 1), "lag_p99_ms": round(pct(lags, 99), 1), "lag_max_ms": round(max(lags), 1),
        "dashboard_query": "kpi.service.dashboard (this month)",
        "dashboard_primary_p50_ms": round(pct(dash_primary, 50), 1),
        "dashboard_replica_p50_ms": round(pct(dash_replica, 50), 1),
        "standby_stopped_falls_back": gave_up, "fallback_check_ms": round(fallback_ms, 1),
    }


if __name__ == "__main__":
    main()
