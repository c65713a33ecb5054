"""漏话回拨: missed calls (abandoned in the queue, rung out) become callback tasks with a limit, unless
the number got through afterwards; operators' attempts close them; the connection rate counts them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org.models import AuditLog
from hotline.telephony.models import MissedCall, MissedCallAttempt
from tests.conftest import login

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Asia/Shanghai, a working day


def ev(client: TestClient, h: dict[str, str], call_id: str, type_: str, at: datetime, **kw: str) -> None:
    r = client.post("/api/v1/telephony/events", headers=h,
                    json={"call_id": call_id, "type": type_, "at": at.isoformat(), **kw})
    assert r.status_code == 201, r.text


def missed(client: TestClient, h: dict[str, str], call_id: str, caller: str, at: datetime, *, how: str = "abandoned"
           ) -> None:
    ev(client, h, call_id, "offered", at, caller=caller, queue="12345")
    ev(client, h, call_id, how, at + timedelta(seconds=40))


def task_of(db: Session, call_id: str) -> MissedCall | None:
    return db.scalar(select(MissedCall).where(MissedCall.call_id == call_id))


def test_missed_calls_become_tasks_unless_the_number_got_through(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    h = as_user("admin")
    missed(client, h, "m1", "13800001111", T0)  # hung up in the queue
    missed(client, h, "m2", "13800002222", T0, how="ended")  # rang out: ended, never answered
    t1, t2 = task_of(db, "m1"), task_of(db, "m2")
    assert t1 is not None and t1.state == "pending" and t1.reason == "abandoned"
    assert t2 is not None and t2.reason == "rang_out"
    # 2 working hours from 09:00:40 on a working Monday: 11:00:40 local
    assert t1.due_at == T0 + timedelta(hours=2, seconds=40)
    # the same number calls again and gets through: its pending task closes by itself
    missed(client, h, "m3", "13800003333", T0)
    ev(client, h, "a3", "offered", T0 + timedelta(minutes=5), caller="13800003333")
    ev(client, h, "a3", "answered", T0 + timedelta(minutes=5, seconds=8), agent="operator1")
    t3 = task_of(db, "m3")
    assert t3 is not None and t3.state == "reached" and t3.reached_call_id == "a3" and t3.closed_at is not None
    # events out of order: the later answered call is posted before the abandonment → no task at all
    ev(client, h, "a4", "offered", T0 + timedelta(minutes=9), caller="13800004444")
    ev(client, h, "a4", "answered", T0 + timedelta(minutes=9, seconds=5), agent="operator1")
    missed(client, h, "m4", "13800004444", T0)
    assert task_of(db, "m4") is None
    # an answered call leaves nothing to call back; a call with no number cannot be called back
    ev(client, h, "a5", "offered", T0, caller="13800005555")
    ev(client, h, "a5", "answered", T0 + timedelta(seconds=3), agent="operator1")
    ev(client, h, "m6", "offered", T0)
    ev(client, h, "m6", "abandoned", T0 + timedelta(seconds=30))
    assert task_of(db, "a5") is None and task_of(db, "m6") is None
    assert db.scalar(select(AuditLog).where(AuditLog.action == "missed_call.reached",
                                            AuditLog.entity_id == "m3")) is not None


def test_operator_calls_back_and_the_rates_count_it(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    h, op = as_user("admin"), as_user("operator1")
    missed(client, h, "m1", "13800001111", T0)
    missed(client, h, "m2", "13800002222", T0 + timedelta(minutes=1))
    ev(client, h, "a1", "offered", T0, caller="13900000001")
    ev(client, h, "a1", "answered", T0 + timedelta(seconds=5), agent="operator1")
    rows = client.get("/api/v1/telephony/missed", headers=op).json()["items"]
    assert [r["caller"] for r in rows] == ["13800001111", "13800002222"]  # soonest due first
    tid = rows[0]["id"]
    r = client.post(f"/api/v1/telephony/missed/{tid}/attempts", headers=op, json={"outcome": "no_answer"})
    assert r.status_code == 201 and r.json()["state"] == "pending" and r.json()["attempts"] == 1
    r = client.post(f"/api/v1/telephony/missed/{tid}/attempts", headers=op,
                    json={"outcome": "connected", "note": "市民反映路灯不亮"})
    body = r.json()
    assert body["state"] == "returned" and body["intake_url"] == "/orders/new?citizen_phone=13800001111"
    assert [a.outcome for a in db.scalars(select(MissedCallAttempt).where(
        MissedCallAttempt.missed_call_id == tid).order_by(MissedCallAttempt.id))] == ["no_answer", "connected"]
    again = client.post(f"/api/v1/telephony/missed/{tid}/attempts", headers=op, json={"outcome": "busy"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "missed_call_closed"
    m = client.get("/api/v1/telephony/metrics", headers=h,
                   params={"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}).json()
    # 3 offered, 1 answered; 2 missed, 1 of them returned
    assert (m["offered"], m["answered"], m["missed"]["total"], m["missed"]["returned"]) == (3, 1, 2, 1)
    assert m["connection_rate"] == 0.3333 and m["missed_returned_rate"] == 0.5
    assert m["connection_rate_with_callbacks"] == 0.6667
    closed = client.get("/api/v1/telephony/missed", headers=op, params={"state": "closed"}).json()["items"]
    assert [c["state_label"] for c in closed] == ["已回拨接通"]


def test_attempts_run_out_and_wrong_numbers(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    h, op = as_user("admin"), as_user("operator2")
    missed(client, h, "m1", "13800001111", T0)
    missed(client, h, "m2", "13800002222", T0)
    t1, t2 = task_of(db, "m1"), task_of(db, "m2")
    assert t1 is not None and t2 is not None
    for n, outcome in enumerate(("busy", "no_answer", "busy"), start=1):
        r = client.post(f"/api/v1/telephony/missed/{t1.id}/attempts", headers=op, json={"outcome": outcome})
        assert r.json()["state"] == ("unreachable" if n == 3 else "pending")  # 3 attempts by default
    r = client.post(f"/api/v1/telephony/missed/{t2.id}/attempts", headers=op, json={"outcome": "wrong_number"})
    assert r.json()["state"] == "unreachable" and r.json()["attempts"] == 1
    assert client.post(f"/api/v1/telephony/missed/{t2.id}/attempts", headers=op,
                       json={"outcome": "hung_up"}).status_code == 422


@pytest.mark.parametrize(("user", "list_code", "attempt_code"), [
    ("cg_handler", 403, 403), ("subcentre_dongcheng", 403, 403), ("leader", 200, 403), ("dispatcher", 200, 201)])
def test_who_may_see_and_call_back(client: TestClient, db: Session, as_user, user: str, list_code: int,  # type: ignore[no-untyped-def]
                                   attempt_code: int) -> None:
    missed(client, as_user("admin"), "m1", "13800001111", T0)
    task = task_of(db, "m1")
    assert task is not None
    h = as_user(user)
    assert client.get("/api/v1/telephony/missed", headers=h).status_code == list_code
    assert client.post(f"/api/v1/telephony/missed/{task.id}/attempts", headers=h,
                       json={"outcome": "busy"}).status_code == attempt_code
    assert client.get("/api/v1/telephony/missed").status_code == 401


def test_the_queue_page_and_the_connected_call_opens_the_intake(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    missed(client, as_user("admin"), "m1", "13800001111", datetime.now(UTC) - timedelta(days=3))  # overdue
    task = task_of(db, "m1")
    assert task is not None
    csrf = login(client, "operator1", db=db)
    page = client.get("/telephony/missed")
    assert page.status_code == 200 and "13800001111" in page.text and "已超时" in page.text
    assert "排队放弃" in page.text and "回拨时限：2个工作小时" in page.text
    r = client.post(f"/telephony/missed/{task.id}/attempt", data={"outcome": "connected", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/orders/new?citizen_phone=13800001111"
    intake = client.get(r.headers["location"])
    assert 'value="13800001111"' in intake.text and "已回拨接通 13800001111" in intake.text
    after = client.get("/telephony/missed")
    assert "没有待回拨的漏话" in after.text and "已回拨接通" in after.text
