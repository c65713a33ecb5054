"""来电人历史: the centre sees a caller's past orders and counts; units never do."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import login
from tests.integration.helpers import create

PHONE = "13655550001"


def test_centre_sees_history_with_counts(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    a = create(client, op, citizen_phone=PHONE, title="东关街噪音扰民", content="东关街夜市烧烤噪音很大，凌晨两点还在营业。")
    b = create(client, op, citizen_phone=PHONE, title="东关街夜市噪音又来了", content="东关街夜市烧烤凌晨还在营业，噪音很大。")
    create(client, op, citizen_phone="13655550002")
    for who in ("operator1", "dispatcher", "supervisor"):
        r = client.get(f"/api/v1/callers/{PHONE}/history", headers=as_user(who))
        assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and body["last_30_days"] == 2
    assert [o["number"] for o in body["orders"]] == [b["number"], a["number"]]
    assert body["orders"][0]["status"] == "received" and body["repeat_calls"] == 1
    assert isinstance(body["designations"], list)  # filled by hotline.appeals when it exists
    empty = client.get("/api/v1/callers/10000000000/history", headers=op).json()
    assert empty["total"] == 0 and empty["orders"] == []


def test_units_may_not_read_caller_history(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    create(client, as_user("operator1"), citizen_phone=PHONE)
    for who in ("cg_handler", "cg_leader", "xinhua_handler", "subcentre_dongcheng"):
        r = client.get(f"/api/v1/callers/{PHONE}/history", headers=as_user(who))
        assert r.status_code == 403 and r.json()["error"]["code"] == "centre_only"
    assert client.get(f"/api/v1/callers/{PHONE}/history").status_code == 401


def test_intake_assistant_shows_history_for_the_centre_only(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    n = create(client, as_user("operator1"), citizen_phone=PHONE)["number"]
    csrf = login(client, "operator2", db=db)
    r = client.post("/orders/new/suggest", data={"citizen_phone": PHONE}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and "来电人历史" in r.text and n in r.text


def test_the_callers_designations_come_from_appeals(client: TestClient, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """The call-taker sees a caller's accepted 不合理诉求认定 (appeals extends duplicates' history; it was always empty)."""
    from sqlalchemy import select

    from hotline.appeals.models import UnitRequest
    from hotline.db import utcnow
    from hotline.orders.models import Order
    from hotline.org.models import Unit

    a = create(client, as_user("operator1"), citizen_phone="13655550009")
    order = db.scalar(select(Order).where(Order.number == a["number"]))
    unit = db.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
    db.add(UnitRequest(kind="designation", order_id=order.id, unit_id=unit.id, reason="同一诉求已答复六次，无新情况",
                       state="accepted", decided_at=utcnow()))
    db.flush()
    body = client.get("/api/v1/callers/13655550009/history", headers=as_user("operator1")).json()
    assert [(d["number"], d["reason"]) for d in body["designations"]] == [(a["number"], "同一诉求已答复六次，无新情况")]
