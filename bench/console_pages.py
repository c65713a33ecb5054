"""Benchmark: server-side render time of every console page, per role, on the seeded demo.

    python bench/console_pages.py [--orders 300] [--runs 20] [--json]

Seeds a scratch SQLite database with the demo (``hotline.demo.seed.seed_demo``: the demo city and its
orders driven through the real flows), logs in as each demo role through the login form, and GETs every
page that role's navigation offers (``hotline.web.nav.layout_for``: the bar and the 更多 menu), the home
page, the notifications, and the order page of one order per status the role can see, ``--runs`` times
each after one warm-up.  Time is measured around the in-process ASGI call (``TestClient``), so it is the
server's render time without a network; it prints p50/p95 per page and role and flags any p95 over the
issue #20 target of 150 ms.  ``--json`` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 150.0
USERS = ("operator1", "dispatcher", "cg_handler", "cg_leader", "supervisor", "callback1", "admin", "leader")
STATUSES = ("received", "dispatched", "in_progress", "replied", "completed", "closed")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=300)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp()) / "demo.sqlite3"
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp}"
    os.environ.setdefault("HOTLINE_PASSWORD_HASH_FAST", "true")
    from hotline.config import get_settings

    get_settings.cache_clear()
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from hotline import registry
    from hotline.city.service import current_city
    from hotline.cli import _upgrade
    from hotline.db import session_scope
    from hotline.demo.seed import seed_demo
    from hotline.main import create_app
    from hotline.orders import service
    from hotline.org.models import User
    from hotline.web.nav import layout_for

    registry.install()
    _upgrade()
    t0 = time.perf_counter()
    with session_scope() as db:
        seed_demo(db, current_city(), orders=a.orders)
    seed_s = time.perf_counter() - t0
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import pct

    results: dict[str, dict[str, dict[str, float]]] = {}
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
        with TestClient(create_app(), raise_server_exceptions=True) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token, "no login form"
            r = client.post("/login", data={"username": username, "password": "demo12345", "next": "/",
                                             "csrf_token": token.group(1)}, follow_redirects=False)
            assert r.status_code == 303, r.text[:300]
            per: dict[str, dict[str, float]] = {}
            for path in pages:
                r = client.get(path)  # warm-up (templates compiled, caches filled)
                if r.status_code != 200:
                    per[names.get(path, path)] = {"status": float(r.status_code)}
                    continue
                times = []
                for _ in range(a.runs):
                    t = time.perf_counter()
                    client.get(path)
                    times.append((time.perf_counter() - t) * 1000)
                per[names.get(path, path)] = {"p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1)}
        results[f"{username} ({role})"] = per
    slow = sorted({p for per in results.values() for p, v in per.items() if v.get("p95_ms", 0) > TARGET_MS})
    out = {"orders": a.orders, "runs": a.runs, "seed_s": round(seed_s, 1), "target_p95_ms": TARGET_MS,
           "pages": results, "over_target": slow}
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    from _common import header

    header(f"console pages · demo seed of {a.orders} orders · {a.runs} GETs per page after a warm-up")
    for who, per in results.items():
        print(f"\n{who}")
        for p, v in per.items():
            if "status" in v:
                print(f"  {p:<34} HTTP {int(v['status'])}")
                continue
            flag = "  ← over 150 ms" if v["p95_ms"] > TARGET_MS else ""
            print(f"  {p:<34} p50 {v['p50_ms']:7.1f} ms   p95 {v['p95_ms']:7.1f} ms{flag}")
    print(f"\npages over the p95 target: {', '.join(slow) or 'none'}")


if __name__ == "__main__":
    main()
