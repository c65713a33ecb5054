"""12345–110 联动 (issue #19 item 3) with a small simulated 110 desk: a real local HTTP receiver that checks
the Standard Webhooks signature of every delivery, then acknowledges and reports status through the API with
its desk token.  Round trips both ways (12345 → 110 → ack → status on the order page; 110 → 12345 inbound →
dispatched → each status delivered back until the order ends, the reply text with it), bad input and attacks,
three-party calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from hotline.db import utcnow
from hotline.linkage.delivery import run_due
from hotline.linkage.models import LinkageHandoff
from hotline.org.auth import create_api_token
from hotline.org.models import User
from tests.conftest import login
from tests.integration.helpers import act, create, leaf_category, ok
from tests.integration.test_cities import _client, _token, two_cities  # noqa: F401

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REASON = "现场有人持刀威胁，需公安出警"


class Desk:
    """The simulated 110 desk: what it received, each signature checked as a real desk would."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.headers: dict[str, str] = {}

    def take(self, headers: dict[str, str], body: bytes) -> None:
        try:
            self.received.append(Webhook(SECRET).verify(body, headers))
            self.headers = headers
        except Exception:  # noqa: BLE001 - a desk refuses what it cannot verify
            self.bad_signatures += 1


@pytest.fixture
def desk_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Desk]]:
    monkeypatch.setenv("HOTLINE_WEBHOOK_ALLOW_PRIVATE", "true")  # the simulated desk is on 127.0.0.1
    state = Desk()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.take({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/12345", state
    server.shutdown()
    server.server_close()


def _desk_account(db: Session, username: str) -> User:
    op = db.scalar(select(User).where(User.username == "operator1"))
    assert op is not None
    user = User(username=username, name=f"{username}对接", role="operator", unit_id=op.unit_id, password_hash="!")
    db.add(user)
    db.flush()
    return user


def _connect(client: TestClient, db: Session, as_user, desk: str, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An admin connects a desk; the desk's token (its own account's)."""
    user = _desk_account(db, f"desk{desk}")
    r = client.post("/api/v1/linkage-desks", headers=as_user("admin"),
                    json={"desk": desk, "name": f"{desk}指挥中心", "url": url, "username": user.username, "secret": SECRET})
    assert r.status_code == 201, r.text
    token = create_api_token(db, user, f"{desk}联动")
    db.flush()
    return {"Authorization": f"Bearer {token}"}


def _deliver(db: Session) -> dict[str, int]:
    return run_due(db, now=utcnow() + timedelta(seconds=1))


def _handed_off(client: TestClient, as_user, desk: str = "110") -> str:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    n = create(client, op, title="有人持刀威胁", content="小区门口有人持刀威胁路人，情况紧急，请马上处理！")["number"]
    assert ok(client, op, n, "hand_off", service=desk, reason=REASON)["status"] == "handed_off"
    return n


def _record(db: Session, number: str) -> LinkageHandoff:
    from hotline.orders.models import Order

    order = db.scalar(select(Order).where(Order.number == number))
    assert order is not None
    h = db.scalar(select(LinkageHandoff).where(LinkageHandoff.order_id == order.id))
    assert h is not None
    return h


def test_hand_off_needs_a_reason(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    n = create(client, op)["number"]
    r = act(client, op, n, "hand_off", service="110")
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    assert "转办理由" in r.json()["error"]["message"]


def test_hand_off_round_trip_with_the_110_desk(client: TestClient, db: Session, as_user, desk_receiver) -> None:  # type: ignore[no-untyped-def]
    url, desk = desk_receiver
    token = _connect(client, db, as_user, "110", url)
    n = _handed_off(client, as_user)
    h = _record(db, n)
    assert (h.desk, h.direction, h.reason, h.ack_at) == ("110", "out", REASON, None)

    assert _deliver(db) == {"sent": 1, "retry": 0, "failed": 0}
    assert desk.bad_signatures == 0 and len(desk.received) == 1
    got = desk.received[0]
    assert got["event"] == "handoff" and got["handoff_id"] == h.id and got["reason"] == REASON
    assert got["order"]["number"] == n and got["order"]["caller_phone"] == "13912345678"
    assert "持刀" in got["order"]["content"] and desk.headers["x-hotline-event"] == "handoff"

    # the desk acknowledges, once; the same receipt again is a no-op, another one a conflict
    body = {"receipt_number": "JJ20261202-0042", "received_by": "接警员王强"}
    r = client.post(got["ack_url"], headers=token, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["receipt_number"] == "JJ20261202-0042" and r.json()["ack_by"] == "接警员王强"
    again = client.post(got["ack_url"], headers=token, json=body)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    other = client.post(got["ack_url"], headers=token, json={**body, "receipt_number": "JJ-OTHER"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_acknowledged"

    r = client.post(got["status_url"], headers=token, json={"status": "dispatched", "text": "已派东城派出所民警到场"})
    assert r.status_code == 200, r.text

    # the order page: the panel shows the reason, the ack and the desk's status; the timeline names the desk
    login(client, "operator1", db=db)
    html = client.get(f"/orders/{n}/linkage-panel").text
    for seen in (REASON, "JJ20261202-0042", "接警员王强", "已出警", "已派东城派出所民警到场", "已推送"):
        assert seen in html, seen
    assert f"/orders/{n}/linkage-panel" in client.get(f"/orders/{n}").text
    events = client.get(f"/api/v1/orders/{n}", headers=as_user("operator1")).json()["events"]
    notes = [(e["actor"], e["note"]) for e in events if e.get("note") and "110" in (e["note"] or "")]
    assert any("已签收" in note and "desk110" in who for who, note in notes), notes
    assert any("已出警" in note and "desk110" in who for who, note in notes), notes
    client.get("/lang/en", follow_redirects=False)
    en = client.get(f"/orders/{n}/linkage-panel").text
    assert "Police dispatched" in en and "Acknowledged" in en and "Linkage" in en


def test_a_hand_off_without_a_connected_desk_is_recorded_not_delivered(client: TestClient, db: Session,  # type: ignore[no-untyped-def]
                                                                        as_user) -> None:
    n = _handed_off(client, as_user, desk="122")
    assert _record(db, n).desk == "122"
    assert _deliver(db)["sent"] == 0
    login(client, "operator1", db=db)
    assert "未配置对接" in client.get(f"/orders/{n}/linkage-panel").text


def test_inbound_demand_from_110_round_trip(client: TestClient, db: Session, as_user, desk_receiver) -> None:  # type: ignore[no-untyped-def]
    url, desk = desk_receiver
    token = _connect(client, db, as_user, "110", url)
    demand = {"desk": "110", "receipt_number": "JJ20261202-0107", "caller_phone": "13800001111",
              "text": "东城区新华路12号楼下烧烤店每晚噪音扰民到凌晨，非警情，移交12345处理。",
              "address": "青阳市东城区新华路12号", "occurred_at": "2026-12-02T21:30:00+08:00"}
    r = client.post("/api/v1/linkage/inbound", headers=token, json=demand)
    assert r.status_code == 201, r.text
    n = r.json()["order_number"]
    again = client.post("/api/v1/linkage/inbound", headers=token, json=demand)
    assert again.status_code == 200 and again.json()["order_number"] == n  # once per receipt number
    order = client.get(f"/api/v1/orders/{n}", headers=as_user("dispatcher")).json()
    assert order["channel"] == "linkage" and order["status"] == "received"
    login(client, "dispatcher", db=db)
    assert n in client.get("/queue").text  # the dispatcher's queue, like any new demand

    disp, cg = as_user("dispatcher"), as_user("cg_handler")
    ok(client, disp, n, "dispatch", lead_unit="dept-chengguan", category_code=leaf_category(client, disp))
    ok(client, cg, n, "sign")
    ok(client, cg, n, "reply", content="已约谈烧烤店经营者，责令22点后停止室外经营，并安排夜间巡查。")
    ok(client, disp, n, "complete")
    _deliver(db)
    assert desk.bad_signatures == 0
    seen = [(m["event"], m["order"]["status"]) for m in desk.received]
    assert seen == [("status", "received"), ("status", "dispatched"), ("status", "in_progress"),
                    ("status", "replied"), ("status", "completed")], seen
    assert all(m["receipt_number"] == "JJ20261202-0107" and m["order"]["number"] == n for m in desk.received)
    assert desk.received[-1]["order"]["reply"].startswith("已约谈烧烤店经营者")
    assert desk.received[0]["order"]["reply"] is None


def test_sharing_stops_when_the_order_ends(client: TestClient, db: Session, as_user, desk_receiver) -> None:  # type: ignore[no-untyped-def]
    url, desk = desk_receiver
    token = _connect(client, db, as_user, "110", url)
    n = client.post("/api/v1/linkage/inbound", headers=token, json={
        "desk": "110", "receipt_number": "JJ-9", "text": "咨询户口迁移需要哪些材料，非警情移交。"}).json()["order_number"]
    ok(client, as_user("operator1"), n, "inform", channel="户口迁移请到户籍窗口办理")
    ok(client, as_user("operator1"), n, "comment", note="已电话告知诉求人")
    _deliver(db)
    assert [(m["order"]["status"], m["order"]["closed"]) for m in desk.received] == [
        ("received", False), ("informed", True)]


def test_the_desk_api_refuses_strangers_and_bad_input(client: TestClient, db: Session, as_user,  # type: ignore[no-untyped-def]
                                                      desk_receiver) -> None:
    url, _desk = desk_receiver
    token110 = _connect(client, db, as_user, "110", url)
    token119 = _connect(client, db, as_user, "119", url)
    n = _handed_off(client, as_user)
    hid = _record(db, n).id
    ack = {"receipt_number": "JJ-1", "received_by": "王强"}
    assert client.post(f"/api/v1/linkage/{hid}/ack", json=ack).status_code == 401
    assert client.post(f"/api/v1/linkage/{hid}/ack", json=ack,
                       headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    r = client.post(f"/api/v1/linkage/{hid}/ack", json=ack, headers=as_user("operator1"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_desk"
    assert client.post(f"/api/v1/linkage/{hid}/ack", json=ack, headers=token119).status_code == 404  # 110's record
    assert client.post(f"/api/v1/linkage/{hid + 999}/ack", json=ack, headers=token110).status_code == 404
    assert client.post("/api/v1/linkage/99999999999999999999/ack", json=ack, headers=token110).status_code in (404, 422)
    r = client.post(f"/api/v1/linkage/{hid}/status", headers=token110, json={"status": "handled", "text": "已处置完毕"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_acknowledged"
    bad = [{"receipt_number": "JJ\x001", "received_by": "王强"}, {"receipt_number": "J" * 65, "received_by": "王强"},
           {"receipt_number": "", "received_by": "王强"}, {"receipt_number": "JJ-1"},
           {**ack, "acked_at": "2026-12-02T10:00:00"}, {**ack, "extra": 1}]
    for body in bad:
        r = client.post(f"/api/v1/linkage/{hid}/ack", json=body, headers=token110)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["message"] and r.json()["error"].get("message_en") or r.json()["error"].get("details")
    assert client.post(f"/api/v1/linkage/{hid}/ack", json=ack, headers=token110).status_code == 200
    for body in ({"status": "exploded", "text": "已处置"}, {"status": "handled", "text": "x" * 2001},
                 {"status": "handled", "text": "已处置\x00"}):
        assert client.post(f"/api/v1/linkage/{hid}/status", json=body, headers=token110).status_code == 422
    inbound = {"desk": "110", "receipt_number": "JJ-2", "text": "楼上装修噪音扰民，非警情移交。"}
    r = client.post("/api/v1/linkage/inbound", headers=token119, json=inbound)
    assert r.status_code == 403 and r.json()["error"]["code"] == "other_desk"
    assert client.post("/api/v1/linkage/inbound", headers=as_user("operator1"), json=inbound).status_code == 403
    for body in ({**inbound, "text": "x" * 20_001}, {**inbound, "text": "噪音\x00扰民扰民"},
                 {**inbound, "caller_phone": "12345"}, {**inbound, "desk": "999"}):
        assert client.post("/api/v1/linkage/inbound", headers=token110, json=body).status_code == 422
    assert db.scalar(select(LinkageHandoff).where(LinkageHandoff.direction == "in")) is None


def test_three_party_call_api_and_form(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    op = as_user("operator1")
    n = create(client, op, title="路边车辆剐蹭纠纷", content="路口两车剐蹭，双方争执不下，不清楚该找交警还是12345。")["number"]
    call = {"desk": "122", "started_at": "2026-12-02T10:00:00+08:00", "ended_at": "2026-12-02T10:06:00+08:00",
            "participants": "诉求人、话务员张敏、122接警员", "outcome": "desk", "note": "交通事故由122处理",
            "recording_ref": "REC-20261202-001"}
    r = client.post(f"/api/v1/orders/{n}/linkage-calls", headers=op, json=call)
    assert r.status_code == 201, r.text
    assert r.json()["outcome_label"] == "联动单位受理"
    r = client.post(f"/api/v1/orders/{n}/linkage-calls", headers=op, json={**call, "ended_at": "2026-12-02T09:00:00+08:00"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "call_ends_before_start"
    assert client.post(f"/api/v1/orders/{n}/linkage-calls", headers=op, json={**call, "outcome": "nobody"}).status_code == 422
    assert client.post(f"/api/v1/orders/{n}/linkage-calls", headers=as_user("cg_handler"), json=call).status_code in (403, 404)
    assert client.post("/api/v1/orders/NOPE/linkage-calls", headers=op, json=call).status_code == 404
    events = client.get(f"/api/v1/orders/{n}", headers=op).json()["events"]
    assert any("三方通话（122，约6分钟" in (e["note"] or "") for e in events)

    csrf = login(client, "operator1", db=db)
    page = client.get(f"/orders/{n}/linkage-panel").text
    assert "记录三方通话" in page and 'name="participants"' in page
    r = client.post(f"/orders/{n}/linkage-calls", follow_redirects=False, data={
        "csrf_token": csrf, "desk": "110", "started_at": "2026-12-02T11:00", "ended_at": "2026-12-02T11:03",
        "participants": "诉求人、话务员、110", "outcome": "both", "note": "双方共同处置"})
    assert r.status_code == 303, r.text
    html = client.get(f"/orders/{n}/linkage-panel").text
    assert "双方共同处置" in html and "REC-20261202-001" in html and "交警" in html


def test_demo_seeds_a_hand_off_with_its_ack_and_a_110_demand(client: TestClient, db: Session) -> None:
    from hotline.demo.linkage import seed_linkage
    from hotline.outbox.models import OutboxMessage

    assert seed_linkage(db, now=utcnow()) == 2
    rows = {h.direction: h for h in db.scalars(select(LinkageHandoff))}
    assert rows["out"].desk_receipt == "JJ-DEMO-0001" and rows["out"].desk_status == "dispatched"
    assert rows["in"].desk_receipt == "JJ-DEMO-0002"
    assert {m.state for m in db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "linkage"))} == {"cancelled"}
    assert seed_linkage(db, now=utcnow()) == 0  # once
    login(client, "dispatcher", db=db)
    from hotline.orders.models import Order

    inbound = db.get(Order, rows["in"].order_id)
    assert inbound is not None and inbound.channel == "linkage"
    assert inbound.number in client.get("/queue").text
    html = client.get(f"/orders/{db.get(Order, rows['out'].order_id).number}/linkage-panel").text  # type: ignore[union-attr]
    assert "JJ-DEMO-0001" in html and "已指令新华派出所民警到场处置" in html


def test_another_citys_desk_cannot_see_this_citys_records(db: Session, two_cities: dict[str, Any]) -> None:  # noqa: F811
    """Records are city-owned: a desk of 西河县 gets 404 for a 青阳市 hand-off, even for the same number."""
    from hotline.city.tenancy import acting_as
    from hotline.linkage.models import LinkageDesk

    with _client(db) as client:
        n = create(client, _token(db, "operator1"), title="有人持刀威胁",
                   content="小区门口有人持刀威胁路人，情况紧急，请马上处理！")["number"]
        ok(client, _token(db, "operator1"), n, "hand_off", service="110", reason=REASON)
        hid = _record(db, n).id
        with acting_as(two_cities["county"]):
            xh = db.scalar(select(User).where(User.username == "xh_operator"))
            assert xh is not None
            db.add(LinkageDesk(desk="110", name="西河县公安局110", url="https://110.xihe.example/in", secret=SECRET,
                               user_id=xh.id, active=True))
            db.flush()
        xh_token = _token(db, "xh_operator")
        r = client.post(f"/api/v1/linkage/{hid}/ack", headers=xh_token,
                        json={"receipt_number": "XH-1", "received_by": "接警员"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "linkage_not_found"
        assert client.get(f"/api/v1/linkage/{hid}", headers=xh_token).status_code == 404
        assert _record(db, n).ack_at is None


def test_two_acknowledgements_at_once_one_wins_the_other_is_409(committed: None) -> None:
    from sqlalchemy import delete

    from hotline import db as dbmod
    from hotline.db import commit_or_conflict
    from hotline.errors import Conflict
    from hotline.linkage import flows
    from hotline.linkage.models import LinkageDesk
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order

    try:
        with dbmod.session_scope() as s:
            desk_user = _desk_account(s, "desk110_race")
            s.add(LinkageDesk(desk="110", name="110", url="https://110.example/in", secret=SECRET,
                              user_id=desk_user.id, active=True))
            op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))  # type: ignore[arg-type]
            order = do_create_order(s, actor=op, data={"kind": "help", "title": "有人持刀威胁", "channel": "phone",
                                                       "content": "小区门口有人持刀威胁路人，请马上处理！"})
            do_action(s, order=order, actor=op, action=Action.hand_off, payload={"service": "110", "reason": REASON})
            s.flush()
            hid = _record(s, order.number).id
            uid = desk_user.id
        stale = dbmod.session_factory()()
        try:
            assert stale.get(LinkageHandoff, hid) is not None
            stale.commit()  # read before the other acknowledgement, no lock held (its version: 1)
            with dbmod.session_scope() as other:
                flows.do_ack(other, user=other.get(User, uid), handoff_id=hid, receipt="JJ-A",  # type: ignore[arg-type]
                             received_by="接警员甲", at=None, now=utcnow())
            with pytest.raises(Conflict) as exc:
                flows.do_ack(stale, user=stale.get(User, uid), handoff_id=hid, receipt="JJ-B",  # type: ignore[arg-type]
                             received_by="接警员乙", at=None, now=utcnow())
                commit_or_conflict(stale)
            assert exc.value.status_code == 409 and exc.value.code in ("concurrent_update", "already_acknowledged")
        finally:
            stale.close()
        with dbmod.session_scope() as s:
            h = s.get(LinkageHandoff, hid)
            assert h is not None and h.desk_receipt == "JJ-A"
    finally:
        from tests.conftest import _wipe_orders

        _wipe_orders()
        with dbmod.get_engine().begin() as c:
            c.execute(delete(LinkageDesk.__table__))
            c.execute(delete(User.__table__).where(User.username == "desk110_race"))
