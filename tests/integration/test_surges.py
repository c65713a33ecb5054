"""Surges (issue #16 item 3): the demo's history and its 停水 burst raise a stored alert with the orders
behind it, told to leaders and supervisors; detection is idempotent; the alert shows on /surges, the
supervisor board and the leader's dashboard; a decision is audited, checked and a second one is a 409."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.loader import load_city
from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.demo.surges import SURGE_LEAF, seed_history, seed_surge
from hotline.orders.models import Order
from hotline.org.models import AuditLog
from hotline.outbox.models import OutboxMessage
from hotline.sla.service import bound
from hotline.surges.detect import detect
from hotline.surges.models import SurgeAlert
from hotline.surges.service import month_summary
from tests.conftest import login


@pytest.fixture
def surge(db: Session) -> dict[str, Any]:
    city = load_city(None)
    t = time.perf_counter()
    n = seed_history(db, city, now=utcnow())
    seconds = time.perf_counter() - t
    out = seed_surge(db, city, now=utcnow())
    db.flush()
    alerts = list(db.scalars(select(SurgeAlert).order_by(SurgeAlert.day)))
    return {"history": n, "seconds": seconds, "alerts": alerts, **out}


def test_the_demo_burst_of_water_cuts_is_a_surge_with_its_orders(db: Session, surge: dict[str, Any]) -> None:
    assert surge["history"] > 3000 and surge["seconds"] < 20, surge["seconds"]
    alerts = surge["alerts"]
    assert alerts, "the 停水 burst raised no alert"
    burst = list(db.scalars(select(Order).where(Order.category_code == SURGE_LEAF, Order.channel != "import",
                                                Order.created_at >= utcnow() - timedelta(days=2))))
    assert len(burst) >= 15
    today = alerts[-1]
    assert today.state == "open" and today.observed >= 5 and today.expected < 2
    behind = set(today.order_ids)
    assert {o.id for o in burst if o.created_at.astimezone(city_tz()).date() == today.day} <= behind
    assert "东城区" in today.name or "街道" in today.name, today.name
    assert len(today.series) == 29 and today.series[-1][1] == today.observed  # the chart: observed vs expected
    notices = db.scalars(select(OutboxMessage.recipient).where(OutboxMessage.topic == "surge.raised",
                                                               OutboxMessage.payload["url"].as_string()
                                                               == f"/surges/{today.id}")).all()
    assert sorted(notices) == ["role:leader", "role:supervisor"]
    # the history has no surges of its own: only the injected burst's days alert
    assert all(a.day >= utcnow().astimezone(city_tz()).date() - timedelta(days=1) for a in alerts)


def test_detecting_the_same_day_again_changes_nothing(db: Session, surge: dict[str, Any]) -> None:
    day = surge["alerts"][-1].day
    before = (db.scalar(select(func.count(SurgeAlert.id))), db.scalar(select(func.count(OutboxMessage.id))))
    _, cal = bound()
    out = detect(db, day=day, now=utcnow(), tz=city_tz(), cal=cal)
    db.flush()
    assert out["alerts_new"] == 0 and out["found"] >= 1
    after = (db.scalar(select(func.count(SurgeAlert.id))), db.scalar(select(func.count(OutboxMessage.id))))
    assert after == before


def test_leader_and_supervisor_see_it_and_a_decision_is_audited_once(client: TestClient, db: Session,
                                                                      surge: dict[str, Any], as_user: Any) -> None:
    a = surge["alerts"][-1]
    login(client, "leader", db=db)
    page = client.get("/surges")
    assert page.status_code == 200 and a.name in page.text and f'href="/surges/{a.id}"' in page.text
    detail = client.get(f"/surges/{a.id}")
    numbers = db.scalars(select(Order.number).where(Order.id.in_(a.order_ids))).all()
    assert all(f"/orders/{n}" in detail.text for n in numbers)
    assert 'id="decide-form"' in detail.text  # leaders and supervisors decide
    dash = client.get("/dashboard")
    assert dash.status_code == 200 and 'id="surge-panel"' in dash.text and a.name in dash.text
    login(client, "supervisor", db=db)
    board = client.get("/supervision")
    assert board.status_code == 200 and 'id="surge-panel"' in board.text and f"/surges/{a.id}" in board.text
    # the API: checks, the decision, the audit row, the second decision is a 409
    seen = db.scalar(select(func.max(AuditLog.id))) or 0  # rows of earlier tests (a reused alert id) do not count
    r = client.post(f"/api/v1/surges/{a.id}/decide", json={"decision": "acknowledge", "note": "已核实"},
                    headers=as_user("operator1"))
    assert r.status_code == 403 and "角色" in r.text
    r = client.post(f"/api/v1/surges/{a.id}/decide", json={"decision": "acknowledge", "note": ""},
                    headers=as_user("supervisor"))
    assert r.status_code == 422
    r = client.post(f"/api/v1/surges/{a.id}/decide", json={"decision": "acknowledge", "note": "x" * 3, "version": 99},
                    headers=as_user("supervisor"))
    assert r.status_code == 409
    r = client.post(f"/api/v1/surges/{a.id}/decide",
                    json={"decision": "acknowledge", "note": "已通知水务集团抢修", "version": a.version},
                    headers=as_user("supervisor"))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "acknowledged" and "supervisor" in r.json()["decided_by"]
    r = client.post(f"/api/v1/surges/{a.id}/decide", json={"decision": "dismiss", "note": "误报"},
                    headers=as_user("leader"))
    assert r.status_code == 409 and "已处理" in r.text
    audit = db.scalars(select(AuditLog).where(AuditLog.entity == "surge_alert", AuditLog.entity_id == str(a.id),
                                              AuditLog.action == "surge.acknowledge", AuditLog.id > seen)).all()
    assert len(audit) == 1 and audit[0].data["note"] == "已通知水务集团抢修"
    page = client.get(f"/surges/{a.id}")
    assert "已通知水务集团抢修" in page.text and 'id="decide-form"' not in page.text
    # the monthly report's summary
    rows = month_summary(db, a.day.replace(day=1), a.day + timedelta(days=1))
    assert any(x["id"] == a.id and x["state"] == "acknowledged" and x["observed"] == a.observed for x in rows)


def test_an_unknown_alert_is_404_and_units_may_not_read(client: TestClient, db: Session,
                                                          surge: dict[str, Any], as_user: Any) -> None:
    a = surge["alerts"][-1]
    from hotline.org.models import User

    handler = db.scalar(select(User.username).where(User.role == "unit_handler").limit(1))
    assert client.get(f"/api/v1/surges/{a.id}", headers=as_user(handler)).status_code == 403
    assert client.get("/api/v1/surges/999999", headers=as_user("leader")).status_code == 404
    body = client.get(f"/api/v1/surges/{a.id}", headers=as_user("leader")).json()
    assert body["observed"] == a.observed and len(body["orders_behind"]) == len(a.order_ids)
