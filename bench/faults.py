"""Fault proof (issue #10 item 5): intake under load on PostgreSQL while the server and the worker are
``kill -9``-ed and restarted; then count acknowledged / lost / duplicated orders and messages.

    PYTHONPATH=$PWD .venv/bin/python bench/faults.py [--clients 6] [--step 15] [--load-s 90] [--json]
    PYTHONPATH=$PWD .venv/bin/python bench/faults.py --servers 2 --workers 2 --kills 0   # the 2 + 2 run (#15 item 3)

What it does (bounded: about 2 minutes, loopback only):

1. a fresh PostgreSQL database (``HOTLINE_BENCH_FAULTS_URL``, default ``…/hotline_bench_faults``),
   migrated, with the demo city's units and users, an API token for operator1 and a webhook
   subscription to ``order.create``;
2. a loopback receiver in this process that plays the SMS gateway (``HOTLINE_SMS_GATEWAY_URL``,
   JSON ``{id, phone, text}``) and the webhook receiver (Standard Webhooks headers);
3. ``hotline serve`` and ``hotline worker --lease 5`` as subprocesses;
4. ``--clients`` threads file orders, each with its own ``Idempotency-Key``; a request that fails
   (connection refused or reset, timeout, 5xx) is retried with the *same* key until acknowledged;
5. meanwhile the server and the worker are each killed with SIGKILL twice and restarted, each
   kill after ``--step`` more orders were acknowledged (so kills land under load, however slow a
   restart is), within ``--load-s`` seconds at most;
6. after the load, the worker drains the outbox; then the figures:

- orders: acknowledged (demands the API answered 201/200 for), in the database, **lost**
  (acknowledged but absent), **duplicated** (demands that became more than one order);
- messages (the ``order.received`` SMS and the ``order.create`` webhook of every order): **lost**
  (an order whose message never arrived), **duplicated** (a demand whose citizen got more than one
  distinct SMS — what a gateway cannot drop — or whose receiver got more than one distinct
  webhook-id), and *resent under the same id* (a crash between sending and marking sent: dropped
  by the gateway / receiver by id; reported, not counted as a duplicate).

Without server-side ``Idempotency-Key`` support a retry after the server committed but died
before answering makes a second order (and a second SMS): expect duplicates then.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench._common import header  # noqa: E402

URL = os.environ.get("HOTLINE_BENCH_FAULTS_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_faults")
KEY_RE = re.compile(r"\[fk:([0-9a-f]{32})\]")
NUMBER_RE = re.compile(r"工单编号([A-Z0-9-]+)")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Inbox:
    """What the SMS gateway and the webhook receiver got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sms: list[tuple[str, str]] = []  # (message id, text)
        self.hooks: list[tuple[str, str]] = []  # (webhook-id, order number)


def start_receiver(inbox: Inbox) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            doc = json.loads(body or b"{}")
            with inbox.lock:
                if self.path == "/sms":
                    inbox.sms.append((doc["id"], doc["text"]))
                else:
                    inbox.hooks.append((self.headers.get("webhook-id", ""), doc.get("order", {}).get("number", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def prepare_database(hook_url: str) -> str:
    """Fresh database, schema by the migrations, the demo city; returns operator1's API token."""
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.engine import make_url

    u = make_url(URL)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'drop database if exists "{u.database}" with (force)'))
        c.execute(text(f'create database "{u.database}"'))
    admin.dispose()
    os.environ["HOTLINE_DATABASE_URL"] = URL
    from hotline import registry
    registry.install()  # every package, in the declared order (hotline/registry.py)
    from hotline import db as dbmod
    from hotline.city.service import current_city
    from hotline.demo.seed import ensure_unit_accounts
    from hotline.migrate import upgrade
    from hotline.org.auth import create_api_token
    from hotline.org.cities import sync_city
    from hotline.org.models import User
    from hotline.webhooks.flows import do_create_subscription

    upgrade(URL)
    dbmod.configure(URL)
    with dbmod.session_scope() as s:
        sync_city(s, current_city())
        ensure_unit_accounts(s)
    with dbmod.session_scope() as s:
        op = s.scalar(select(User).where(User.username == "operator1"))
        admin_user = s.scalar(select(User).where(User.username == "admin"))
        token = create_api_token(s, op, "faults bench")
        do_create_subscription(s, user=admin_user, name="故障测试接收方", url=hook_url, events=["create"])
    return token


class Proc:
    """A ``hotline`` subprocess we can SIGKILL and restart."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = open(logdir / f"{name}.log", "ab")  # noqa: SIM115
        self.p: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        self.p = subprocess.Popen([sys.executable, "-m", "hotline.cli", *self.args], env=self.env,
                                  stdout=self.log, stderr=subprocess.STDOUT)

    def kill9(self) -> None:
        assert self.p is not None
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def wait_ready(base: str, token: str, limit_s: float = 60) -> None:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        try:
            if httpx.get(f"{base}/api/v1/orders?limit=1", headers={"Authorization": f"Bearer {token}"},
                         timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not come up")


def client_loop(cid: int, base: str, token: str, stop: threading.Event, give_up_at: float,
                acks: dict[str, set[str]], lock: threading.Lock, stats: Counter[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    i = 0
    with httpx.Client(base_url=base, timeout=30) as c:  # a fresh server warms up (jieba, models) for seconds
        while not stop.is_set():
            key = uuid.uuid4().hex
            i += 1
            body = {"kind": "complaint", "title": f"故障测试{cid}-{i}",
                    "content": f"新华街道桃源社区门口每天晚上有摊贩占道经营，噪音大。[fk:{key}]",
                    "citizen_name": "测试", "citizen_phone": f"139{cid:02d}{i:06d}", "address": "青阳市东城区新华路12号"}
            while time.monotonic() < give_up_at:  # retry the same demand with the same key
                stats["requests"] += 1
                try:
                    r = c.post("/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": key})
                except httpx.HTTPError as exc:
                    stats["retries"] += 1
                    stats[f"retry_{type(exc).__name__}"] += 1
                    time.sleep(0.3)
                    continue
                if r.status_code >= 500:
                    stats["retries"] += 1
                    stats[f"retry_http_{r.status_code}"] += 1
                    time.sleep(0.3)
                    continue
                if r.status_code in (200, 201):
                    with lock:
                        acks[key].add(r.json()["number"])
                else:
                    stats[f"http_{r.status_code}"] += 1
                break


def figures(token: str, inbox: Inbox, acks: dict[str, set[str]]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from hotline import db as dbmod
    from hotline.orders.models import Order
    from hotline.outbox.models import OutboxMessage

    with dbmod.session_factory()() as s:
        rows = s.execute(select(Order.number, Order.content)).all()
        pending = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "pending"))
        failed = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "failed"))
    by_key: dict[str, list[str]] = defaultdict(list)
    for number, content in rows:
        m = KEY_RE.search(content or "")
        if m:
            by_key[m.group(1)].append(number)
    in_db = {n for ns in by_key.values() for n in ns}
    acked_numbers = {n for ns in acks.values() for n in ns}
    sms_ids_by_number: dict[str, set[str]] = defaultdict(set)
    sms_arrivals = Counter(i for i, _ in inbox.sms)
    for mid, text in inbox.sms:
        m = NUMBER_RE.search(text)
        if m:
            sms_ids_by_number[m.group(1)].add(mid)
    hook_ids_by_number: dict[str, set[str]] = defaultdict(set)
    hook_arrivals = Counter(i for i, _ in inbox.hooks)
    for mid, number in inbox.hooks:
        hook_ids_by_number[number].add(mid)
    return {
        "orders": {
            "acknowledged": len(acks),
            "in_database": len(in_db),
            "lost": len(acked_numbers - in_db),
            "duplicated": sum(1 for ns in by_key.values() if len(ns) > 1),
            "acknowledged_twice_differently": sum(1 for ns in acks.values() if len(ns) > 1),
        },
        "messages": {
            "sms_received_distinct": len(sms_arrivals),
            "sms_lost": sum(1 for n in in_db if not sms_ids_by_number.get(n)),
            "sms_duplicated": sum(1 for ns in by_key.values()
                                  if len(set().union(*(sms_ids_by_number.get(n, set()) for n in ns))) > 1),
            "sms_resent_same_id": sum(c - 1 for c in sms_arrivals.values()),
            "webhooks_received_distinct": len(hook_arrivals),
            "webhooks_lost": sum(1 for n in in_db if not hook_ids_by_number.get(n)),
            "webhooks_duplicated": sum(1 for ns in by_key.values()
                                       if len(set().union(*(hook_ids_by_number.get(n, set()) for n in ns))) > 1),
            "webhooks_resent_same_id": sum(c - 1 for c in hook_arrivals.values()),
            "outbox_pending_at_end": pending,
            "outbox_failed": failed,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--step", type=int, default=15,
                    help="orders acknowledged before each kill, and after the last one (the kills land mid-load)")
    ap.add_argument("--load-s", type=float, default=90.0, help="most seconds of load, whatever --step says")
    ap.add_argument("--drain-s", type=float, default=45.0, help="most seconds to wait for the outbox to drain")
    ap.add_argument("--servers", type=int, default=1, help="server processes; clients spread over them")
    ap.add_argument("--workers", type=int, default=1, help="worker processes, all draining the same outbox")
    ap.add_argument("--kills", type=int, default=4,
                    help="SIGKILLs, alternating server and worker (0: none, a plain N + M run)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()
    if not args.json:
        header("faults: kill -9 the server and the worker under intake load (PostgreSQL)")
    started = time.monotonic()
    os.environ["HOTLINE_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    inbox = Inbox()
    recv, rport = start_receiver(inbox)
    token = prepare_database(f"http://127.0.0.1:{rport}/hook")
    ports = [free_port() for _ in range(args.servers)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    env = {**os.environ, "HOTLINE_DATABASE_URL": URL, "HOTLINE_ENV": "development",
           "HOTLINE_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
           "HOTLINE_SMS_GATEWAY_URL": f"http://127.0.0.1:{rport}/sms",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PYTHONUNBUFFERED": "1"}
    logdir = Path(tempfile.mkdtemp(prefix="hotline-faults-"))
    servers = [Proc(f"server{i}", ["serve", "--host", "127.0.0.1", "--port", str(p)], env, logdir)
               for i, p in enumerate(ports)]
    workers = [Proc(f"worker{i}", ["worker", "--interval", "0.5", "--no-sweep", "--lease", "5", "--log-level",
                                   "WARNING"], env, logdir) for i in range(args.workers)]
    acks: dict[str, set[str]] = defaultdict(set)
    lock = threading.Lock()
    stats: Counter[str] = Counter()
    load_s = 0.0
    try:
        for proc in (*servers, *workers):
            proc.start()
        for base in bases:
            wait_ready(base, token)
        t0 = time.monotonic()
        deadline = t0 + args.load_s
        stop = threading.Event()
        threads = [threading.Thread(target=client_loop, args=(i, bases[i % len(bases)], token, stop, deadline + 60, acks, lock,
                                                               stats), daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()

        def acked() -> int:
            with lock:
                return len(acks)

        def wait_acks(target: int) -> None:
            while acked() < target and time.monotonic() < deadline:
                time.sleep(0.1)

        # kill -9 server, worker, server, worker …, each after --step more orders were acknowledged
        for k in range(args.kills):
            proc = servers[(k // 2) % len(servers)] if k % 2 == 0 else workers[(k // 2) % len(workers)]
            wait_acks(acked() + args.step)
            proc.kill9()
            time.sleep(0.5)
            proc.start()
        wait_acks(acked() + args.step)
        stop.set()
        load_s = time.monotonic() - t0
        for t in threads:
            t.join(120)
        from sqlalchemy import func, select

        from hotline import db as dbmod
        from hotline.outbox.models import OutboxMessage

        end = time.monotonic() + args.drain_s
        while time.monotonic() < end:
            with dbmod.session_factory()() as s:
                if not s.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.state == "pending")):
                    break
            time.sleep(0.5)
        time.sleep(1.0)  # the last responses reach the receiver
        out = figures(token, inbox, acks)
    finally:
        for proc in (*workers, *servers):
            proc.stop()
        recv.shutdown()
    out["run"] = {"clients": args.clients, "servers": len(servers), "workers": len(workers),
                  "load_s": round(load_s, 1), "server_kills": sum(p.kills for p in servers),
                  "worker_kills": sum(p.kills for p in workers), "requests": stats["requests"], "retries": stats["retries"],
                  "other_http": {k: v for k, v in stats.items() if k.startswith("http_")},
                  "retry_causes": {k[6:]: v for k, v in stats.items() if k.startswith("retry_")},
                  "seconds": round(time.monotonic() - started, 1), "logs": str(logdir)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    o, m = out["orders"], out["messages"]
    print(f"run: {out['run']}")
    print(f"orders   acknowledged {o['acknowledged']}  in database {o['in_database']}  "
          f"lost {o['lost']}  duplicated {o['duplicated']}")
    print(f"sms      received {m['sms_received_distinct']}  lost {m['sms_lost']}  duplicated {m['sms_duplicated']}  "
          f"resent under the same id {m['sms_resent_same_id']}")
    print(f"webhooks received {m['webhooks_received_distinct']}  lost {m['webhooks_lost']}  "
          f"duplicated {m['webhooks_duplicated']}  resent under the same id {m['webhooks_resent_same_id']}")
    print(f"outbox   pending at end {m['outbox_pending_at_end']}  failed {m['outbox_failed']}")


if __name__ == "__main__":
    main()
