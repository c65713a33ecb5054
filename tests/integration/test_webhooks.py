"""Webhooks: admin-managed subscriptions, a delivery queued in the order's transaction for each
action, Standard Webhooks signed POSTs to a real local HTTP receiver (verified with the
``standardwebhooks`` library a receiver would use), retries with exponential backoff and every
attempt logged, order.create before what follows from it, private addresses refused, the log page."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hotline.config import get_settings
from hotline.db import utcnow
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from hotline.webhooks.delivery import backoff, run_due
from hotline.webhooks.models import WebhookAttempt
from tests.conftest import login
from tests.integration.helpers import create, leaf_category, ok

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ISO_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests' receiver listens on 127.0.0.1, which production refuses."""
    monkeypatch.setenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE", "true")


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200


@pytest.fixture
def receiver(allow_private: None) -> Iterator[tuple[str, Receiver]]:
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
    assert client.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "http://x.example/h",
                                                             "secret": "not-base64-but-long-enough"}).status_code == 422
    assert client.post("/api/v1/webhooks", headers=h,
                       json={"name": "x", "url": "http://x.example/h", "events": ["explode"]}).status_code == 422
    created = client.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "http://x.example/h"}).json()
    assert created["secret"].startswith("whsec_") and created["events"] == ["*"]
    Webhook(created["secret"])  # a receiver's library accepts the generated secret
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
    receiver_lib = Webhook(SECRET)
    for headers, body in state.received:
        doc = receiver_lib.verify(body, headers)  # what a receiver using standardwebhooks does
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "A" * 32).verify(body, headers)
        stale = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 3600)}
        with pytest.raises(WebhookVerificationError):  # a replay an hour later is refused
            receiver_lib.verify(body, stale)
        assert doc["order"]["number"] == order["number"] and doc["event"] == headers["x-hotline-event"]
        assert re.match(ISO_Z, doc["occurred_at"]) and re.match(ISO_Z, doc["order"]["due_at"] or "2026-01-01T00:00:00Z")
        for private in ("13912345678", "李娜", "新华路", "摊贩"):
            assert private not in body.decode()
    ids = [h["webhook-id"] for h, _ in state.received]
    assert len(set(ids)) == 3 and set(ids) == {m.uid for m in msgs}
    assert json.loads(state.received[1][1])["order"]["status"] == "dispatched"
    assert re.match(ISO_Z, json.loads(state.received[1][1])["order"]["due_at"])


def test_create_goes_before_the_auto_dispatch_it_causes(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                        receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.city.service import current_city
    from hotline.demo.routing import train_demo_models
    from hotline.demo.texts import generate_demands
    from hotline.routing.service import REGISTRY

    url, state = receiver
    REGISTRY.forget()
    train_demo_models(db, current_city(), n=300, seed=5)
    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.0)
    subscribe(client, as_user, url)
    d = generate_demands(current_city(), 1, seed=4242)[0]
    from hotline.portal.flows import do_submit_demand

    # self-service = a citizen submitted it (the portal): only then does routing dispatch by itself
    form = {"kind": "complaint", "content": d.content, "phone": "13912345678", "address": d.address}
    number = do_submit_demand(db, form=form, photos=[]).number
    order = client.get(f"/api/v1/orders/{number}", headers=as_user("dispatcher")).json()
    assert order["status"] == "dispatched"
    run_due(db, now=utcnow() + timedelta(seconds=1))
    events = [json.loads(b) for _, b in state.received]
    assert [e["event"] for e in events] == ["order.create", "order.dispatch"]
    assert events[0]["order"]["status"] == "received"  # as the creation left it, not as it is now
    REGISTRY.forget()


def test_private_addresses_are_refused_unless_allowed(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE", raising=False)
    h = as_user("admin")
    for url in ("http://127.0.0.1:8080/h", "http://localhost/h", "http://10.1.2.3/h", "http://192.168.0.5/h",
                "http://169.254.169.254/latest/meta-data", "http://[::1]/h", "http://[fe80::1]/h",
                "http://[::ffff:127.0.0.1]/h", "http://100.64.0.1/h", "http://0.0.0.0/h"):
        r = client.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": url})
        assert r.status_code == 422, url
        assert r.json()["error"]["code"] == "private_url" and "HOTLINE_WEBHOOK_ALLOW_PRIVATE" in r.text
    assert client.post("/api/v1/webhooks", headers=h, json={"name": "x", "url": "https://8.8.8.8/h"}).status_code == 201
    # a subscription made while allowed is still refused at delivery once the setting is off
    monkeypatch.setenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE", "true")
    subscribe(client, as_user, "http://127.0.0.1:9/h", ["create"])
    monkeypatch.delenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE")
    create(client, as_user("operator1"))
    assert run_due(db, now=utcnow() + timedelta(seconds=1))["failed"] >= 1
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook",
                                                OutboxMessage.last_error.contains("127.0.0.1")))
    assert msg is not None and msg.state == "failed" and "refused address" in msg.last_error


def test_failures_retry_with_backoff_and_show_in_the_log(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                         receiver) -> None:
    url, state = receiver
    subscribe(client, as_user, url, ["create"])
    state.status = 500
    create(client, as_user("operator1"))
    t = utcnow() + timedelta(seconds=1)
    st = deliver(db, now=t, channels=("webhook",))  # the worker's path: a failed attempt used to roll back with its savepoint
    assert (st.sent, st.retried, st.failed) == (0, 1, 0)
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
    assert msg.attempts == 1 and msg.next_attempt_at == t + backoff(1) and "HTTP 500" in msg.last_error
    assert run_due(db, now=t + timedelta(seconds=5))["retry"] == 0  # not due yet
    t2 = t + backoff(1)
    run_due(db, now=t2)
    assert msg.next_attempt_at == t2 + backoff(2) and backoff(2) == 2 * backoff(1)
    state.status = 204
    assert run_due(db, now=msg.next_attempt_at)["sent"] == 1
    attempts = db.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id == msg.id)).all()
    assert [a.status_code for a in attempts] == [500, 500, 204] and [a.ok for a in attempts] == [False, False, True]
    assert attempts[0].error == "HTTP 500"
    assert {h["webhook-id"] for h, _ in state.received} == {msg.uid}  # one id on every attempt
    login(client, "admin", db=db)
    page = client.get("/webhooks")
    assert page.status_code == 200 and "204" in page.text and "webhook.order.create"[8:] in page.text
    assert backoff(30).total_seconds() == 6 * 3600


def test_unreachable_receiver_is_an_attempt_not_a_crash(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                        allow_private: None) -> None:
    subscribe(client, as_user, "http://127.0.0.1:9/nothing-listens")
    create(client, as_user("operator1"))
    assert run_due(db, now=utcnow() + timedelta(seconds=1))["retry"] == 1
    msg = db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
    assert msg.state == "pending" and "Error" in (msg.last_error or "")
    (attempt,) = db.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id == msg.id)).all()
    assert attempt.ok is False and attempt.status_code is None and "Error" in attempt.error


def test_deleting_a_subscription_keeps_its_delivery_log(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                        allow_private: None) -> None:
    """The attempts' key is (city_id, subscription_id): the flow clears it (no ON DELETE SET NULL)."""
    sub = subscribe(client, as_user, "http://127.0.0.1:9/nothing-listens")
    create(client, as_user("operator1"))
    run_due(db, now=utcnow() + timedelta(seconds=1))
    (attempt,) = db.scalars(select(WebhookAttempt).where(WebhookAttempt.subscription_id == sub["id"])).all()
    assert client.delete(f"/api/v1/webhooks/{sub['id']}", headers=as_user("admin")).status_code == 204
    db.expire_all()
    kept = db.get(WebhookAttempt, attempt.id)
    assert kept is not None and kept.subscription_id is None and kept.city_id == attempt.city_id


def test_admin_page_creates_and_shows_secret_once(client: TestClient, db: Session) -> None:
    csrf = login(client, "admin", db=db)
    r = client.post("/webhooks", data={"name": "区指挥中心", "url": "https://hooks.example/h", "csrf_token": csrf,
                                       "events": ["dispatch", "complete"]})
    assert r.status_code == 200 and 'id="new-secret"' in r.text
    again = client.get("/webhooks")
    assert 'id="new-secret"' not in again.text and "hooks.example" in again.text
