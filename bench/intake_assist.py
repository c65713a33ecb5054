"""Round trip of the intake assistant panel on the demo (issue 4: under 200 ms as the operator types).

Seeds a fresh SQLite demo (city, demo models, 300 orders) in a temporary folder, starts the real
server, logs in as an operator, and posts drafts to ``/orders/new/suggest`` the way the intake form
does (debounced keystrokes: the title, then the content growing, with address and phone), measuring
each HTTP round trip: routing, duplicates, caller history and knowledge answers together.

    python bench/intake_assist.py [--drafts 200] [--baseline-tree /path/to/old/checkout]

``--baseline-tree`` serves another checkout beside this one (each server imports its own tree's
``hotline``), each on a copy of the same seeded demo, and posts every draft to both in turn; it prints
both trees' figures and how many responses were identical.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
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


def _server(tree: Path, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The real server of ``tree`` (its ``hotline`` first on PYTHONPATH) on a free port, once it answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "hotline.main:create_app", "--factory", "--port",
                             str(port), "--log-level", "warning"], env={**env, "PYTHONPATH": str(tree)}, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, base


def _client(base: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=30)
    login = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    r = c.post("/login", data={"username": "operator1", "password": "demo12345", "next": "/",
                               "csrf_token": login.group(1) if login else ""})
    assert r.status_code in (200, 303), f"login refused: HTTP {r.status_code}"
    page = c.get("/orders/new").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    return c, csrf.group(1) if csrf else ""


def _summary(lat: list[float]) -> str:
    lat = sorted(lat)
    return (f"p50 {statistics.median(lat):.1f} ms, p90 {lat[int(len(lat) * 0.9) - 1]:.1f} ms, "
            f"p99 {lat[int(len(lat) * 0.99) - 1]:.1f} ms, max {lat[-1]:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drafts", type=int, default=200)
    ap.add_argument("--orders", type=int, default=300, help="demo orders to seed")
    ap.add_argument("--baseline-tree", type=Path,
                    help="another checkout, served beside this one on a copy of the same seeded demo; the drafts "
                         "are posted to both in turn, so both meet the same load")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-assist-"))
    trees = {"this tree": ROOT}
    if args.baseline_tree:
        trees = {"baseline": args.baseline_tree.resolve(), "this tree": ROOT}
    seeded = tmp / "seeded.sqlite3"
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{seeded}", "HOTLINE_DATA_DIR": str(tmp / "data"),
           "HOTLINE_ENV": "development"}
    t0 = time.perf_counter()
    first = next(iter(trees.values()))  # the demo is seeded by the baseline's code when there is one
    subprocess.run([sys.executable, "-m", "hotline.cli", "seed", "--orders", str(args.orders)],
                   env={**env, "PYTHONPATH": str(first)}, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
    seeded_s = time.perf_counter() - t0
    servers = {}
    try:
        for name, tree in trees.items():
            folder = tmp / name.replace(" ", "_")
            folder.mkdir()
            if (tmp / "data").exists():  # the models the seed trained
                shutil.copytree(tmp / "data", folder / "data")
            for suffix in ("", "-wal", "-shm"):
                src = seeded.with_name(seeded.name + suffix)
                if src.exists():
                    shutil.copy(src, folder / ("demo.sqlite3" + suffix))
            tree_env = {**env, "HOTLINE_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
                        "HOTLINE_DATA_DIR": str(folder / "data")}
            servers[name] = _server(tree, tree_env, folder)
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
        clients = {name: _client(base) for name, (_proc, base) in servers.items()}
        for c, token in clients.values():
            for d in drafts[:5]:  # warm-up: first use loads models and the duplicate IDF
                c.post("/orders/new/suggest", data={**d, "csrf_token": token}, headers={"HX-Request": "true"})
        lat: dict[str, list[float]] = {name: [] for name in clients}
        sections: dict[str, int] = dict.fromkeys(clients, 0)
        same = 0
        for d in drafts:
            texts = []
            for name, (c, token) in clients.items():
                t = time.perf_counter()
                r = c.post("/orders/new/suggest", data={**d, "csrf_token": token}, headers={"HX-Request": "true"})
                lat[name].append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, f"{name}: HTTP {r.status_code} {r.text[:200]}"
                sections[name] += r.text.count('<section class="assist')
                texts.append(re.sub(r'name="csrf_token" value="[^"]+"', "", r.text))
            same += len(set(texts)) == 1
    finally:
        for proc, _base in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, SQLite demo, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {' '.join(load)}")
    print(f"demo seeded in {seeded_s:.0f} s; drafts: {len(drafts)}")
    for name in lat:
        print(f"{name} ({trees[name]}): assistant sections per response {sections[name] / len(drafts):.1f}; "
              f"round trip POST /orders/new/suggest: {_summary(lat[name])}")
    if len(trees) > 1:
        print(f"responses identical in both trees: {same} of {len(drafts)}")


if __name__ == "__main__":
    main()
