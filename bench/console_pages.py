"""Benchmark: server-side render time of every console page, per role, on the seeded demo, before and after.

    python bench/console_pages.py [--orders 300] [--runs 20] [--baseline-tree /path/to/old/checkout] [--json]

Seeds one scratch SQLite database with the demo (``hotline.demo.seed.seed_demo``: the demo city and its
orders driven through the real flows), logs in as each demo role through the login form, and GETs every
page that role's navigation offers (``hotline.web.nav.layout_for``: the bar and the 更多 menu), the home
page, the notifications, and the order page of one order per status the role can see, ``--runs`` times
each after one warm-up, all through one app (one server process: since 2026-12-07; before, a new app per
role, whose fresh heap a server process does not have).  Time is measured around the in-process ASGI call (``TestClient``), so it is the
server's render time without a network; it prints p50/p95 per page and role and flags any p95 over the
issue #20 target of 150 ms.  It also counts the SQL statements of one GET of each page, and the process's
CPU time per GET (``time.process_time``), which a loaded machine's wait for a core does not inflate.

Before measuring, each tree runs the demo worker's first pass of the daily KPI facts (``worker_pass``: 62
days per city, what a running demo has done within its first minute; since 2026-12-08); ``--no-worker-pass``
measures the pages before it, every figure read live.

``--baseline-tree``: the same measurement of another checkout (e.g. ``git worktree add ../base <commit>``)
in the same run, on a copy of the same seeded database.  Each tree is measured by a child process of this
script whose ``hotline`` is imported from that tree (PYTHONPATH), the database is seeded by the baseline's
code, and the trees take turns ``--rounds`` times (baseline, this tree, baseline, …) so that a change in the
machine's load falls on both.  ``--json`` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_MS = 150.0
USERS = ("operator1", "dispatcher", "cg_handler", "cg_leader", "supervisor", "callback1", "admin", "leader")
STATUSES = ("received", "dispatched", "in_progress", "replied", "completed", "closed")
ROOT = Path(__file__).resolve().parents[1]


def _use_db(path: Path) -> None:
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("HOTLINE_PASSWORD_HASH_FAST", "true")
    from hotline.config import get_settings

    get_settings.cache_clear()


def seed(path: Path, orders: int) -> float:
    """Seed the demo into ``path`` with the code this process imports; seconds taken."""
    _use_db(path)
    from hotline import registry
    from hotline.city.service import current_city
    from hotline.cli import _upgrade
    from hotline.db import session_scope
    from hotline.demo.seed import seed_demo

    registry.install()
    _upgrade()
    t0 = time.perf_counter()
    with session_scope() as db:
        seed_demo(db, current_city(), orders=orders)
    took = time.perf_counter() - t0
    from hotline.db import get_engine

    get_engine().dispose()  # the last connection closed: SQLite folds its write-ahead log into the file
    return took


def worker_pass() -> dict[str, Any]:
    """What the demo's worker does in its first minute and this bench's pages read: one pass of the daily
    KPI facts task per city (``kpi.daily.refresh_task``, 62 days), with the code this process imports."""
    from hotline.city.service import cities
    from hotline.city.tenancy import acting_as, scope_by_code
    from hotline.db import session_factory, utcnow
    from hotline.kpi import daily

    out = {}
    with session_factory()() as db:
        codes = [c.code for c in cities(db)]
    for code in codes:
        with session_factory()() as db:
            scope = scope_by_code(db, code)
        with acting_as(scope):
            out[code] = daily.refresh_task(now=utcnow())
    return out


def measure(path: Path, runs: int) -> dict[str, dict[str, dict[str, Any]]]:
    """Raw times (ms) and the statement count of every page of every role, with the code this process imports."""
    _use_db(path)
    from fastapi.testclient import TestClient
    from sqlalchemy import event, select

    from hotline import registry
    from hotline.cli import _upgrade
    from hotline.db import get_engine, session_scope
    from hotline.main import create_app
    from hotline.orders import service
    from hotline.org.models import User
    from hotline.web.nav import layout_for

    registry.install()
    _upgrade()  # this tree's migrations (e.g. an index) on the baseline's seeded copy
    if not os.environ.get("HOTLINE_BENCH_NO_WORKER_PASS"):
        worker_pass()
    statements = [0]

    def count(*_a: Any) -> None:
        statements[0] += 1

    event.listen(get_engine(), "before_cursor_execute", count)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    app = create_app()  # one app for every role, as in a server process (its heap is frozen once warm)
    for username in USERS:
        with session_scope() as db:
            user = db.scalar(select(User).where(User.username == username))
            assert user is not None, username
            role = user.role
            orders = {}
            for st in STATUSES:
                _, found = service.list_orders(db, user=user, f=service.OrderFilter(status=[st]), page=1, size=1)
                if found:
                    orders[st] = found[0].number
        nav = layout_for(role)
        pages = ["/", *[n.href for n in [*nav.top, *nav.more]], "/notifications",
                 *[f"/orders/{n}" for n in orders.values()]]
        names = {f"/orders/{n}": f"/orders/{{{st}}}" for st, n in orders.items()}
        with TestClient(app, raise_server_exceptions=True) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token, "no login form"
            r = client.post("/login", data={"username": username, "password": "demo12345", "next": "/",
                                             "csrf_token": token.group(1)}, follow_redirects=False)
            assert r.status_code == 303, r.text[:300]
            per: dict[str, dict[str, Any]] = {}
            for path_ in pages:
                r = client.get(path_)  # warm-up (templates compiled, caches filled)
                if r.status_code != 200:
                    per[names.get(path_, path_)] = {"status": r.status_code}
                    continue
                times, cpu = [], []
                statements[0] = 0
                for _ in range(runs):
                    t, c = time.perf_counter(), time.process_time()
                    client.get(path_)
                    times.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - c) * 1000)
                per[names.get(path_, path_)] = {"times": times, "cpu": cpu, "statements": statements[0] // max(runs, 1)}
        results[f"{username} ({role})"] = per
    return results


def _child(tree: Path, *args: str) -> Any:
    """Run this script's ``--_child`` mode with ``tree``'s hotline; its JSON answer."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("HOTLINE_DATABASE_URL", None)
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_child", *args], cwd=tree, env=env,
                       check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for who, per in more.items():
        for page, v in per.items():
            cur = into.setdefault(who, {}).setdefault(page, dict(v))
            if cur is not v and "times" in v:
                cur["times"] = [*cur.get("times", []), *v["times"]]
                cur["cpu"] = [*cur.get("cpu", []), *v.get("cpu", [])]


def _summary(raw: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import pct

    out: dict[str, Any] = {}
    for who, per in raw.items():
        out[who] = {}
        for page, v in per.items():
            if "status" in v:
                out[who][page] = {"status": v["status"]}
                continue
            out[who][page] = {"p50_ms": round(pct(v["times"], 50), 1), "p95_ms": round(pct(v["times"], 95), 1),
                              "cpu_p50_ms": round(pct(v["cpu"], 50), 1) if v.get("cpu") else None,
                              "cpu_p95_ms": round(pct(v["cpu"], 95), 1) if v.get("cpu") else None,
                              "statements": v["statements"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=300)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="turns each tree takes (with --baseline-tree)")
    ap.add_argument("--baseline-tree", type=Path, help="another checkout, measured in the same run")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-worker-pass", action="store_true",
                    help="measure before the worker's first KPI facts pass (every figure read live)")
    ap.add_argument("--_child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._child:  # a child: "seed DB ORDERS" or "measure DB RUNS"
        mode, db, n = a._child
        out: Any = seed(Path(db), int(n)) if mode == "seed" else measure(Path(db), int(n))
        print(json.dumps(out, ensure_ascii=False))
        return
    if a.no_worker_pass:
        os.environ["HOTLINE_BENCH_NO_WORKER_PASS"] = "1"  # the children inherit it
    tmp = Path(tempfile.mkdtemp())
    seeded = tmp / "seeded.sqlite3"
    trees = {"this tree": ROOT}
    if a.baseline_tree:
        trees = {"baseline": a.baseline_tree.resolve(), "this tree": ROOT}
    load_before = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    seed_s = _child(next(iter(trees.values())), "seed", str(seeded), str(a.orders))
    raw: dict[str, dict[str, Any]] = {name: {} for name in trees}
    for _ in range(a.rounds if a.baseline_tree else 1):
        for name, tree in trees.items():
            copy = tmp / f"{name.replace(' ', '_')}.sqlite3"
            for suffix in ("", "-wal", "-shm"):  # the same seeded data for every turn (a GET writes sessions)
                copy.with_name(copy.name + suffix).unlink(missing_ok=True)
                if seeded.with_name(seeded.name + suffix).exists():
                    shutil.copy(seeded.with_name(seeded.name + suffix), copy.with_name(copy.name + suffix))
            _merge(raw[name], _child(tree, "measure", str(copy), str(a.runs)))
    load_after = Path("/proc/loadavg").read_text().split()[:3] if load_before else []
    summary = {name: _summary(r) for name, r in raw.items()}
    now = summary["this tree"]
    slow = sorted({p for per in now.values() for p, v in per.items() if v.get("p95_ms", 0) > TARGET_MS})
    res: dict[str, Any] = {"orders": a.orders, "runs": a.runs, "rounds": a.rounds if a.baseline_tree else 1,
                           "seed_s": round(seed_s, 1), "target_p95_ms": TARGET_MS, "trees": {k: str(v) for k, v in trees.items()},
                           "loadavg_before": load_before, "loadavg_after": load_after,
                           "pages": now, "over_target": slow}
    if a.baseline_tree:
        res["baseline_pages"] = summary["baseline"]
    if a.json:
        print(json.dumps(res, ensure_ascii=False))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import header

    header(f"console pages · demo seed of {a.orders} orders · {res['rounds']}×{a.runs} GETs per page after a warm-up")
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    base = summary.get("baseline", {})
    for who, per in now.items():
        print(f"\n{who}")
        for p, v in per.items():
            if "status" in v:
                print(f"  {p:<34} HTTP {int(v['status'])}")
                continue
            flag = "  ← over 150 ms" if v["p95_ms"] > TARGET_MS else ""
            b = base.get(who, {}).get(p)
            was = (f"   baseline p50 {b['p50_ms']:7.1f} p95 {b['p95_ms']:7.1f} sql {b['statements']:3d}"
                   if b and "p50_ms" in b else "")
            print(f"  {p:<34} p50 {v['p50_ms']:7.1f} ms   p95 {v['p95_ms']:7.1f} ms   cpu p50 {v['cpu_p50_ms']:6.1f} "
                  f"p95 {v['cpu_p95_ms']:6.1f}   sql {v['statements']:3d}"
                  f"{was}{flag}")
    print(f"\npages over the p95 target: {', '.join(slow) or 'none'}")


if __name__ == "__main__":
    main()
