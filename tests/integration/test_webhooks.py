"""Webhooks: admin-managed subscriptions, a delivery queued in the order's transaction for each
action, HMAC-signed POSTs to a real local HTTP receiver, retries with exponential backoff, the log page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.outbox.models import OutboxMessage
from hotline.webhooks.delivery import backoff, run_due
from hotline.webhooks.models import WebhookAttempt
from hotline.webhooks.signing import verify
from tests.conftest import login
from tests.integration.helpers import create, leaf_category, ok

SECRET = "s3cret-for-tests-0123456789"


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", state
    server.shutdown()
    server.server_close()


def subscribe(client: TestClient, as_user, url: str, events: list[str] | None = None) -> dict:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/webhooks", headers=as_user("admin"),
                    json={"name": "督查系统", "url": url, "secret": SECRET, "events": events or ["*"]})
    assert r.status_code == 201, r.text
    return r.json()


def test_only_admins_manage_and_input_is_checked(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/webhooks", headers=as_user("dispatcher")).status_code == 403
    h = as_user("admin")
    assert client.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "ftp://x/y"}).status_code == 422
    assert client.post("/api/v1/webhooks", headers=h,
                       json={"name": "x", "url": "http://x.example/h", "events": ["explode"]}).status_code == 422
    created = client.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "http://x.example/h"}).json()
    assert len(created["secret"]) >= 32 and created["events"] == ["*"]
    listed = client.get("/api/v1/webhooks", headers=h).json()
    assert "secret" not in listed[0] and listed[0]["secret_hint"].endswith("…")
    assert client.patch(f"/api/v1/webhooks/{created['id']}", headers=h, json={"active": False}).json()["active"] is False
    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=h).status_code == 204


def test_actions_are_delivered_signed_without_personal_data(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                            receiver) -> None:
    url, state = receiver
    subscribe(client, as_user, url)
    only_dispatch = subscribe(client, as_user, url, ["order.dispatch"])
    order = create(client, as_user("operator1"))
    disp = as_user("dispatcher")
    ok(client, disp, order["number"], "dispatch", lead_unit="dept-chengguan",
       category_code=leaf_category(client, disp))
    msgs = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                      .order_by(OutboxMessage.id)).all()
    assert [m.topic for m in msgs] == ["webhook.order.create", "webhook.order.dispatch", "webhook.order.dispatch"]
    assert msgs[2].payload["subscription_id"] == only_dispatch["id"]
    counts = run_due(db, now=utcnow() + timedelta(seconds=1))
    assert counts == {"sent": 3, "retry": 0, "failed": 0}
    assert len(state.received) == 3
    for headers, body in state.received:
        assert verify(SECRET, headers["x-hotline-timestamp"], body, headers["x-hotline-signature"])
        assert not verify("wrong-secret-000000", headers["x-hotline-timestamp"], body, headers["x-hotline-signature"])
        assert not verify(SECRET, str(int(headers["x-hotline-timestamp"]) - 3600), body,
                          headers["x-hotline-signature"])  # a replay an hour later is refused
        doc = json.loads(body)
        assert doc["order"]["number"] == order["number"] and doc["event"] == headers["x-hotline-event"]
        for private in ("13912345678", "李娜", "新华路", "摊贩"):
            assert private not in body.decode()
    assert json.loads(state.received[1][1])["order"]["status"] == "dispatched"


def test_failures_retry_with_backoff_and_show_in_the_log(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                         receiver) -> None:
    url, state = receiver
    subscribe(client, as_user, url, ["create"])
    state.status = 500
    create(client, as_user("operator1"))
    t = utcnow() + timedelta(seconds=1)
    assert run_due(db, now=t) == {"sent": 0, "retry": 1, "failed": 0}
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
    assert msg.attempts == 1 and msg.next_attempt_at == t + backoff(1) and msg.last_error == "HTTP 500"
    assert run_due(db, now=t + timedelta(seconds=5))["retry"] == 0  # not due yet
    t2 = t + backoff(1)
    run_due(db, now=t2)
    assert msg.next_attempt_at == t2 + backoff(2) and backoff(2) == 2 * backoff(1)
    state.status = 204
    assert run_due(db, now=msg.next_attempt_at)["sent"] == 1
    attempts = db.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id == msg.id)).all()
    assert [a.status_code for a in attempts] == [500, 500, 204]
    login(client, "admin", db=db)
    page = client.get("/webhooks")
    assert page.status_code == 200 and "204" in page.text and "webhook.order.create"[8:] in page.text
    assert backoff(30).total_seconds() == 6 * 3600


def test_unreachable_receiver_is_an_attempt_not_a_crash(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    subscribe(client, as_user, "http://127.0.0.1:9/nothing-listens")
    create(client, as_user("operator1"))
    assert run_due(db, now=utcnow() + timedelta(seconds=1))["retry"] == 1
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
    assert msg.state == "pending" and "Error" in (msg.last_error or "")


def test_admin_page_creates_and_shows_secret_once(client: TestClient, db: Session) -> None:
    csrf = login(client, "admin", db=db)
    r = client.post("/webhooks", data={"name": "区指挥中心", "url": "https://hooks.example/h", "csrf_token": csrf,
                                       "events": ["dispatch", "complete"]})
    assert r.status_code == 200 and 'id="new-secret"' in r.text
    again = client.get("/webhooks")
    assert 'id="new-secret"' not in again.text and "hooks.example" in again.text
