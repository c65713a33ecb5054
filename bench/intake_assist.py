"""Round trip of the intake assistant panel on the demo (issue 4: under 200 ms as the operator types).

Seeds a fresh SQLite demo (city, demo models, 300 orders) in a temporary folder, starts the real
server, logs in as an operator, and posts drafts to ``/orders/new/suggest`` the way the intake form
does (debounced keystrokes: the title, then the content growing, with address and phone), measuring
each HTTP round trip: routing, duplicates, caller history and knowledge answers together.

    python bench/intake_assist.py [--drafts 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drafts", type=int, default=200)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-assist-"))
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
           "HOTLINE_DATA_DIR": str(tmp / "data"), "HOTLINE_ENV": "development"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hotline.cli", "seed", "--orders", "300"], env=env, cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    seeded = time.perf_counter() - t0
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "hotline.main:create_app", "--factory", "--port",
                               str(port), "--log-level", "warning"], env=env, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        sys.path.insert(0, str(ROOT))
        os.environ.update(env)
        from hotline.city.service import current_city
        from hotline.demo.texts import generate_demands

        drafts = []
        for d in generate_demands(current_city(), args.drafts // 4 + 1, seed=2026):
            for cut in (len(d.content) // 3, 2 * len(d.content) // 3, len(d.content)):
                drafts.append({"title": d.title, "content": d.content[:cut], "address": d.address,
                               "citizen_phone": d.phone or "", "kind": d.kind.value})
            drafts.append({"title": d.title, "content": d.content, "address": "", "citizen_phone": ""})
        drafts = drafts[: args.drafts]
        with httpx.Client(base_url=base, timeout=30) as c:
            c.post("/login", data={"username": "operator1", "password": "demo12345", "next": "/"})
            page = c.get("/orders/new").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
            token = csrf.group(1) if csrf else ""
            for d in drafts[:5]:  # warm-up: first use loads models and the duplicate IDF
                c.post("/orders/new/suggest", data={**d, "csrf_token": token}, headers={"HX-Request": "true"})
            lat = []
            sections = 0
            for d in drafts:
                t = time.perf_counter()
                r = c.post("/orders/new/suggest", data={**d, "csrf_token": token}, headers={"HX-Request": "true"})
                lat.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text[:200]
                sections += r.text.count('<section class="assist')
    finally:
        server.terminate()
        server.wait(timeout=30)
    lat.sort()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, SQLite demo, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"demo seeded in {seeded:.0f} s; drafts: {len(lat)}; assistant sections per response: "
          f"{sections / len(lat):.1f}")
    print(f"round trip POST /orders/new/suggest: p50 {statistics.median(lat):.1f} ms, "
          f"p90 {lat[int(len(lat) * 0.9) - 1]:.1f} ms, p99 {lat[int(len(lat) * 0.99) - 1]:.1f} ms, "
          f"max {lat[-1]:.1f} ms")


if __name__ == "__main__":
    main()
