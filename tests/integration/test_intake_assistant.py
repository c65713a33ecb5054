"""The intake form's extras: the live assistant panel, dispatch at intake, callback opt-out, call-pop prefill."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import login

FORM = {"kind": "complaint", "title": "路灯不亮", "content": "人民路上的路灯坏了好几天，晚上一片漆黑，请尽快修理。",
        "channel": "phone", "urgency": "normal", "citizen_phone": "13812345678", "address": "青阳市人民路1号"}


def test_assistant_panel_shows_routing_with_reasons(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "operator1", db=db)
    r = client.post("/orders/new/suggest", data={**FORM, "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "智能派单建议" in r.text and "路灯" in r.text and "关键词" in r.text
    assert 'data-fill="f-category"' in r.text and 'data-fill="f-lead"' in r.text
    fire = client.post("/orders/new/suggest", data={"content": "楼道里着火了，浓烟很大", "csrf_token": csrf})
    assert "119" in fire.text


def test_units_cannot_use_the_assistant(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, "cg_handler", db=db)
    r = client.post("/orders/new/suggest", data={**FORM, "csrf_token": csrf})
    assert r.status_code == 403 and "智能派单建议" not in r.text


def test_dispatch_at_intake_and_callback_opt_out(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from hotline.callbacks.models import CallbackOptOut
    from hotline.orders.models import Order

    csrf = login(client, "operator1", db=db)
    cats = [c for c in client.get("/api/v1/categories").json() if c["level"] == 3 and "路灯" in c["name"]]
    r = client.post("/orders/new", data={**FORM, "csrf_token": csrf, "category_code": cats[0]["code"],
                                         "lead_unit": "dept-chengguan", "no_callback": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    number = r.headers["location"].split("/orders/")[1].split("?")[0]
    order = db.scalar(select(Order).where(Order.number == number))
    assert order.status == "dispatched" and order.lead_unit.code == "dept-chengguan"
    assert db.get(CallbackOptOut, order.id) is not None

    # dispatching without a category is refused at intake, with nothing created
    before = db.scalar(select(Order.id).order_by(Order.id.desc()))
    r = client.post("/orders/new", data={**FORM, "csrf_token": csrf, "lead_unit": "dept-chengguan"})
    assert r.status_code == 422 and "诉求分类" in r.text
    assert db.scalar(select(Order.id).order_by(Order.id.desc())) == before


def test_call_pop_link_prefills_the_phone(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "operator1", db=db)
    r = client.get("/orders/new?citizen_phone=13912340000")
    assert r.status_code == 200 and 'value="13912340000"' in r.text
