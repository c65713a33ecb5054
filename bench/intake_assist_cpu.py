"""CPU time of the intake assistant per request and per section, in process (issue #20 item 7).

    PYTHONPATH=<tree> python bench/intake_assist_cpu.py DB.sqlite3 [--drafts 120] [--data-dir DIR] [--out FILE]

``bench/intake_assist.py`` measures the HTTP round trip, which on the shared VM is mostly waiting for a
core; this measures what load does not inflate: ``time.process_time`` around each ``POST
/orders/new/suggest`` (TestClient, logged in as operator1) and around each registered section
(``Registry.suggestion``), on an already seeded demo database (``hotline seed``).  The drafts are those of
``bench/intake_assist.py``.  Run it once per tree (``PYTHONPATH`` picks the ``hotline`` imported) on copies
of one database; ``--out`` writes the responses (CSRF token removed) to compare the trees byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--drafts", type=int, default=120)
    ap.add_argument("--data-dir", type=Path, help="the seed's models (HOTLINE_DATA_DIR)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{a.db}"
    os.environ.setdefault("HOTLINE_PASSWORD_HASH_FAST", "true")
    if a.data_dir:
        os.environ["HOTLINE_DATA_DIR"] = str(a.data_dir)
    from fastapi.testclient import TestClient

    from hotline import registry
    from hotline.city.service import current_city
    from hotline.demo.texts import generate_demands
    from hotline.main import create_app

    registry.install()
    reg = registry.get()
    per: dict[str, list[float]] = {}

    def timed(fn: Any) -> Any:
        def run(db: Any, user: Any, draft: Any) -> Any:
            c = time.process_time()
            try:
                return fn(db, user, draft)
            finally:
                per.setdefault(fn.__name__, []).append((time.process_time() - c) * 1000)
        return run

    reg.suggestions[:] = [(order, timed(fn), pkg) for order, fn, pkg in reg.suggestions]
    drafts = []
    for d in generate_demands(current_city(), a.drafts // 4 + 1, seed=2026):
        for cut in (len(d.content) // 3, 2 * len(d.content) // 3, len(d.content)):
            drafts.append({"title": d.title, "content": d.content[:cut], "address": d.address,
                           "citizen_phone": d.phone or "", "kind": d.kind.value})
        drafts.append({"title": d.title, "content": d.content, "address": "", "citizen_phone": ""})
    drafts = drafts[: a.drafts]
    cpu: list[float] = []
    outs = []
    with TestClient(create_app()) as c:
        tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        c.post("/login", data={"username": "operator1", "password": "demo12345", "next": "/",
                               "csrf_token": tok.group(1) if tok else ""})
        tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/orders/new").text)
        token = tok.group(1) if tok else ""
        for d in drafts[:5]:  # warm-up, as bench/intake_assist.py
            c.post("/orders/new/suggest", data={**d, "csrf_token": token}, headers={"HX-Request": "true"})
        per.clear()
        for d in drafts:
            t = time.process_time()
            r = c.post("/orders/new/suggest", data={**d, "csrf_token": token}, headers={"HX-Request": "true"})
            cpu.append((time.process_time() - t) * 1000)
            assert r.status_code == 200, r.text[:200]
            outs.append(re.sub(r'name="csrf_token" value="[^"]+"', "", r.text))
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"{len(drafts)} drafts, load average {' '.join(load)}")
    print(f"request CPU: p50 {_pct(cpu, .5):.1f} ms, p95 {_pct(cpu, .95):.1f} ms")
    for name, v in per.items():
        print(f"  {name:<16} p50 {_pct(v, .5):5.1f} ms, p95 {_pct(v, .95):5.1f} ms")
    text = "\n=====\n".join(outs)
    print("responses sha256", hashlib.sha256(text.encode()).hexdigest()[:16])
    if a.out:
        a.out.write_text(text)


if __name__ == "__main__":
    main()
