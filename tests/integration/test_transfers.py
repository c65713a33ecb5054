"""转办 between cities (issue #13 item 4): 青阳市 hands an order to 西河县, which accepts or returns it.

What is checked is what people get: both orders' timelines (who, when, reason), the queue of
the receiving centre, the notices in each city, the SMS the gateway receives, the citizen's
tracking page and Open311, the province's list — and that nothing else crosses the cities.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.tenancy import acting_as
from hotline.db import utcnow
from hotline.orders.models import Order
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from hotline.transfers.models import Transfer
from tests.conftest import login
from tests.integration.helpers import act, create, ok
from tests.integration.test_cities import A, B, _client, _token, two_cities  # noqa: F401
from tests.integration.test_notices import Gateway, gateway  # noqa: F401

pytestmark = pytest.mark.usefixtures("two_cities")

PHONE = "13966667777"
REASON = "事发地沙河村属西河县辖区，请西河县热线办理"


def _sent(client: TestClient, db: Session) -> tuple[str, str]:
    """A 青阳市 order transferred to 西河县: (the original number, the new number)."""
    n = create(client, _token(db, "operator1"), title="沙河村桥头路灯不亮", citizen_phone=PHONE,
               address="西河县沙河镇沙河村桥头", content="沙河村桥头的路灯已经坏了一周，晚上路过很危险，请尽快修复。")["number"]
    o = ok(client, _token(db, "dispatcher"), n, "transfer_city", to_city="xihe", reason=REASON)
    assert o["status"] == "transfer_sent"
    row = db.scalar(select(Transfer).where(Transfer.from_number == n).execution_options(all_cities=True))
    assert row is not None and row.to_number and row.to_number.startswith("XH")
    return n, row.to_number


def _events(client: TestClient, headers: dict[str, str], number: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/orders/{number}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["events"]


def _outbox(db: Session, city: Any, topic: str) -> list[OutboxMessage]:
    with acting_as(city):
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)))


def test_send_then_accept(db: Session, two_cities: dict[str, Any], gateway: Gateway) -> None:  # noqa: F811
    county = two_cities["county"]
    with _client(db) as client:
        n, new = _sent(client, db)
        qy, xh = _token(db, "dispatcher"), _token(db, "xh_dispatcher")
        # the receiving centre sees it: its own order (its number, its prefix), with the transfer's time limit
        incoming = client.get(f"/api/v1/orders/{new}", headers=xh).json()
        assert incoming["status"] == "transfer_pending" and incoming["title"] == "沙河村桥头路灯不亮"
        assert {"accept_transfer", "return_transfer"} <= set(incoming["allowed_actions"])
        listed = client.get("/api/v1/transfers", headers=xh).json()
        assert [(t["direction"], t["from_city"], t["from_number"], t["state"]) for t in listed] == [
            ("in", "青阳市", n, "requested")]
        due = listed[0]["due_at"]
        assert due > listed[0]["requested_at"]
        [notice] = _outbox(db, county, "transfer.requested")
        assert notice.recipient == "role:dispatcher" and notice.payload["from_number"] == n
        assert notice.payload["reason"] == REASON
        with _client(db) as browser:  # the queue of 西河县's dispatcher
            login(browser, "xh_dispatcher", db=db)
            page = browser.get("/queue").text
            assert "转办待接收" in page and new in page and REASON in page
        # the sender may not answer its own transfer
        assert act(client, qy, n, "accept_transfer").status_code == 409
        assert act(client, qy, n, "transfer_out_accepted").status_code == 403
        assert act(client, xh, new, "accept_transfer", note="属本县辖区，接收").status_code == 200
        assert act(client, xh, new, "accept_transfer").status_code == 409  # once
        assert act(client, xh, new, "return_transfer", reason="重复操作测试一下").status_code == 409
        assert client.get(f"/api/v1/orders/{new}", headers=xh).json()["status"] == "received"
        sent = client.get(f"/api/v1/orders/{n}", headers=qy).json()
        assert sent["status"] == "transferred_out" and sent["allowed_actions"] == ["comment"]
        # both timelines show the exchange, with the actor's city and name
        mine = {e["action"]: e for e in _events(client, qy, n)}
        assert mine["transfer_city"]["note"] == REASON
        assert mine["transfer_out_accepted"]["actor"].startswith("西河县·")
        assert mine["transfer_out_accepted"]["note"] == "属本县辖区，接收"
        theirs = {e["action"]: e for e in _events(client, xh, new)}
        assert theirs["transfer_city"]["actor"].startswith("青阳市·") and theirs["transfer_city"]["note"] == REASON
        assert theirs["accept_transfer"]["to_status"] == "received"
        assert [n] == [t["from_number"] for t in client.get("/api/v1/transfers?state=accepted", headers=qy).json()]
        # the citizen: an SMS from the sending city's hotline with the new number
        deliver(db, now=utcnow() + timedelta(seconds=1), channels=("sms",))
        texts = [t for phone, t, _ in gateway.sent if phone == PHONE and "转至" in t]
        assert texts == [f"【青阳市12345】您的工单{n}已转至西河县12345热线办理，新工单编号{new}。"
                         "可凭原工单编号和手机号码在12345网站“进度查询”查询办理进度。"]
        assert [m.payload["to_number"] for m in _outbox(db, None, "transfer.accepted")] == [new]
        # tracking the original number follows the order
        track = client.post("/portal/track", data={"number": n, "phone": PHONE}).text
        assert "已转至其他城市热线办理" in track and new in track and "西河县12345" in track
        o311 = client.get(f"/open311/v2/requests/{n}.json", params={"api_key": qy["Authorization"][7:],
                                                                      "extensions": "true"}).json()[0]
        assert f"已转至西河县12345热线办理，新工单编号{new}" in o311["status_notes"] and o311["status"] == "closed"
        assert o311["extended_attributes"]["transferred_to"]["number"] == new


def test_send_return_and_send_again(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    with _client(db) as client:
        n, first = _sent(client, db)
        qy, xh = _token(db, "dispatcher"), _token(db, "xh_dispatcher")
        assert act(client, xh, first, "return_transfer", reason="短").status_code == 422  # the reason's minimum
        ok(client, xh, first, "return_transfer", reason="经核实该路段属青阳市管辖，退回")
        assert client.get(f"/api/v1/orders/{first}", headers=xh).json()["status"] == "transfer_returned"
        back = client.get(f"/api/v1/orders/{n}", headers=qy).json()
        assert back["status"] == "received" and "transfer_city" in back["allowed_actions"]
        returned = [e for e in back["events"] if e["action"] == "transfer_out_returned"]
        assert returned[0]["note"] == "经核实该路段属青阳市管辖，退回" and returned[0]["actor"].startswith("西河县·")
        [notice] = _outbox(db, None, "transfer.returned")
        assert notice.payload["reason"] == "经核实该路段属青阳市管辖，退回" and notice.recipient == "role:dispatcher"
        with _client(db) as browser:  # back in 青阳市's queue
            login(browser, "dispatcher", db=db)
            assert n in browser.get("/queue").text
        # sent again: a second transfer and a second new order; this time accepted
        o = ok(client, qy, n, "transfer_city", to_city="xihe", reason="已与西河县沟通确认，再次转办")
        assert o["status"] == "transfer_sent"
        rows = client.get("/api/v1/transfers", headers=qy).json()
        assert [r["state"] for r in rows] == ["requested", "returned"]
        second = rows[0]["to_number"]
        assert second != first and second.startswith("XH")
        ok(client, xh, second, "accept_transfer")
        assert client.get(f"/api/v1/orders/{n}", headers=qy).json()["status"] == "transferred_out"
        track = client.post("/portal/track", data={"number": n, "phone": PHONE}).text
        assert second in track and first not in track


def test_who_may_transfer_and_where(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    with _client(db) as client:
        n = create(client, _token(db, "operator1"))["number"]
        qy = _token(db, "dispatcher")
        r = act(client, _token(db, "operator1"), n, "transfer_city", to_city="xihe", reason=REASON)
        assert r.status_code == 403
        r = act(client, qy, n, "transfer_city", to_city="qingyang", reason=REASON)
        assert r.status_code == 422 and r.json()["error"]["code"] == "same_city"
        r = act(client, qy, n, "transfer_city", to_city="nowhere", reason=REASON)
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_city"
        r = act(client, qy, n, "transfer_city", to_city="xihe")
        assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
        # the other city's dispatcher cannot touch the original (invisible: 404)
        assert act(client, _token(db, "xh_dispatcher"), n, "transfer_city", to_city="qingyang",
                   reason=REASON).status_code == 404
        assert client.get("/api/v1/transfers", headers=_token(db, "cg_handler")).status_code == 403
        n2, new = _sent(client, db)
        assert act(client, qy, n2, "transfer_city", to_city="xihe", reason=REASON).status_code == 409  # pending
        # a unit of the receiving city sees nothing of it; 西河县 sees only its side
        assert client.get(f"/api/v1/orders/{new}", headers=_token(db, "xh_handler")).status_code == 404
        assert client.get(f"/api/v1/orders/{n2}", headers=_token(db, "xh_dispatcher")).status_code == 404
        with acting_as(two_cities["county"]):
            assert db.scalar(select(Order.number).where(Order.number == n2)) is None
            assert db.scalar(select(Transfer.id)) is None  # the row is the sender's; read only through service


def test_overdue_acceptance_is_flagged_once(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    from hotline.supervision.sweep import SweepStats
    from hotline.transfers.flows import flag_overdue_transfers

    county = two_cities["county"]
    with _client(db) as client:
        n, new = _sent(client, db)
    t = db.scalar(select(Transfer).where(Transfer.from_number == n))
    late = t.due_at + timedelta(hours=1)
    with acting_as(county):
        flag_overdue_transfers(db, now=t.due_at - timedelta(minutes=1), limit=10, stats=SweepStats())
        assert _outbox(db, county, "transfer.overdue") == []
        flag_overdue_transfers(db, now=late, limit=10, stats=SweepStats())
        flag_overdue_transfers(db, now=late, limit=10, stats=SweepStats())
    [theirs] = _outbox(db, county, "transfer.overdue")
    [ours] = _outbox(db, None, "transfer.overdue")
    assert theirs.payload["number"] == new and ours.payload["number"] == n
    db.refresh(t)
    assert t.overdue_noticed_at == late


def test_the_province_lists_transfers_and_writes_nothing(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    from hotline.demo.seed import PROVINCE_USERS
    from hotline.org.cities import ensure_province

    ensure_province(db, users=PROVINCE_USERS)
    db.flush()
    with _client(db) as client:
        n, new = _sent(client, db)
        h = _token(db, "province_leader")
        rows = client.get("/api/v1/transfers", headers=h).json()
        assert [(r["from_city"], r["from_number"], r["to_city"], r["to_number"]) for r in rows] == [
            ("青阳市", n, "西河县", new)]
        r = act(client, h, new, "accept_transfer")
        assert r.status_code in (403, 404)
        with _client(db) as browser:
            login(browser, "province_leader", db=db)
            page = browser.get("/province").text
            assert "各市之间的转办" in page and n in page and new in page


def test_the_demo_has_one_pending_and_one_accepted_transfer(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    from hotline.demo.seed import seed_transfers

    county = two_cities["county"]
    with acting_as(county):
        assert seed_transfers(db, county) == 2
    rows = {t.state: t for t in db.scalars(select(Transfer))}
    assert set(rows) == {"requested", "accepted"}
    with acting_as(county):
        assert db.scalar(select(Order.status).where(Order.id == rows["accepted"].to_order_id)) == "received"
        assert db.scalar(select(Order.status).where(Order.id == rows["requested"].to_order_id)) == "transfer_pending"
    assert db.scalar(select(Order.status).where(Order.id == rows["accepted"].from_order_id)) == "transferred_out"
