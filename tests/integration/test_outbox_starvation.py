"""Issue #10 item 3: on SQLite, a worker delivering to a slow webhook receiver must not starve the API.

Before, the worker sent its batch inside the transaction that claimed it, holding SQLite's only write
lock, so every request — reads included — waited for the receiver (and failed after 30 s with
"database is locked").  Here a receiver sleeps 2 s per delivery while operators keep filing orders
against the real server; intake p99 must stay under 1 s.  (The one timing assertion of the suite,
asked for by the issue; the bound is generous and the run short.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select, text

from hotline import db as dbmod
from hotline.db import utcnow
from hotline.org.auth import create_api_token
from hotline.org.models import User
from hotline.outbox.service import deliver
from hotline.webhooks.flows import do_create_subscription
from tests.integration.helpers import DEMAND

SLOW_S = 2.0


@pytest.fixture
def slow_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, threading.Event, list[float]]]:
    monkeypatch.setenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE", "true")  # the receiver is on 127.0.0.1
    first = threading.Event()
    got: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            first.set()
            time.sleep(SLOW_S)
            got.append(time.monotonic())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow", first, got
    server.shutdown()
    server.server_close()


def test_intake_stays_fast_while_the_worker_waits_on_a_slow_receiver(live_server: str, slow_receiver) -> None:  # type: ignore[no-untyped-def]
    if not dbmod.get_engine().dialect.name == "sqlite":
        pytest.skip("the write lock that starved requests is SQLite's")
    url, first, got = slow_receiver
    with dbmod.session_factory()() as s:
        op = s.scalar(select(User).where(User.username == "operator1"))
        admin = s.scalar(select(User).where(User.username == "admin"))
        token = create_api_token(s, op, "starvation test")
        sub = do_create_subscription(s, user=admin, name="慢接收方", url=url, events=["create"])
        s.commit()
        sub_id = sub.id
    headers = {"Authorization": f"Bearer {token}"}
    stop = threading.Event()
    t = threading.Thread(target=lambda: None)

    def worker() -> None:
        with dbmod.session_factory()() as s:
            while not stop.is_set():
                deliver(s, now=utcnow(), channels=("webhook",), batch_size=1, max_batches=1)
                stop.wait(0.05)

    try:
        with httpx.Client(base_url=live_server, timeout=40) as c:
            for i in range(3):  # queue deliveries for the worker to chew on
                assert c.post("/api/v1/orders", json={**DEMAND, "title": f"慢接收方{i}"}, headers=headers
                              ).status_code == 201
            t = threading.Thread(target=worker, daemon=True)
            t.start()
            assert first.wait(10), "the worker never reached the receiver"
            took: list[float] = []
            reads: list[float] = []
            started = time.monotonic()
            while time.monotonic() - started < 2.5 * SLOW_S:  # the worker is busy with the receiver all along
                t0 = time.monotonic()
                r = c.post("/api/v1/orders", json={**DEMAND, "title": "测试期间受理"}, headers=headers)
                took.append(time.monotonic() - t0)
                assert r.status_code == 201, r.text
                t0 = time.monotonic()
                assert c.get("/api/v1/orders", headers=headers).status_code == 200
                reads.append(time.monotonic() - t0)
        assert len(got) < 3 + len(took)  # deliveries were still under way while we measured
        took.sort()
        p99 = took[min(len(took) - 1, int(0.99 * len(took)))]
        assert len(took) >= 5 and p99 < 1.0, f"intake p99 {p99:.2f}s over {len(took)} requests"
        assert max(reads) < 2.0
    finally:
        stop.set()
        if t.ident is not None:
            t.join(60)  # it finishes the delivery under way; nothing of it outlives the test
        with dbmod.get_engine().begin() as conn:
            conn.execute(text("delete from webhook_attempts"))
            conn.execute(text("delete from webhook_subscriptions where id = :i"), {"i": sub_id})


def test_reads_do_not_wait_for_the_write_lock(live_server: str) -> None:
    """A GET neither takes nor waits for SQLite's write lock; a token is stamped at most once a minute."""
    if not dbmod.get_engine().dialect.name == "sqlite":
        pytest.skip("SQLite's single write lock")
    from hotline.org.models import ApiToken

    with dbmod.session_factory()() as s:
        op = s.scalar(select(User).where(User.username == "operator1"))
        token = create_api_token(s, op, "read test")
        s.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, timeout=40) as c:
        assert c.get("/api/v1/orders", headers=headers).status_code == 200  # stamps last_used_at
        with dbmod.session_factory()() as s:
            stamped = s.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "read test"))
        assert stamped is not None
        raw = dbmod.get_engine().raw_connection()
        try:
            raw.cursor().execute("BEGIN IMMEDIATE")  # another writer holds the lock (a slow batch, before)
            t0 = time.monotonic()
            r = c.get("/api/v1/orders", headers=headers)
            assert r.status_code == 200 and time.monotonic() - t0 < 5  # not the 30 s busy timeout
        finally:
            raw.rollback()
            raw.close()
    with dbmod.session_factory()() as s:  # the second request within a minute wrote nothing
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "read test")) == stamped
