"""Call events → call records, the operator's screen pop, the KPIs (接通率, 15-second rate, wait,
abandonment by hour), the staffing calculator and the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.telephony.models import CallEvent, CallRecord
from tests.conftest import login
from tests.integration.helpers import create

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


def ev(client: TestClient, headers: dict[str, str], call_id: str, type_: str, at: datetime, **kw: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/telephony/events", headers=headers,
                       json={"call_id": call_id, "type": type_, "at": at.isoformat(), **kw})


def test_events_make_call_records_and_metrics(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    h = as_user("admin")
    # c1 answered after 10 s, c2 after 30 s, c3 abandoned after 40 s, c4 hung up in queue (ended only)
    for cid, wait, outcome in (("c1", 10, "answered"), ("c2", 30, "answered"), ("c3", 40, "abandoned"),
                               ("c4", 20, "ended")):
        assert ev(client, h, cid, "offered", T0, caller="13800002222", queue="12345").status_code == 201
        kw = {"agent": "operator1"} if outcome == "answered" else {}
        r = ev(client, h, cid, outcome, T0 + timedelta(seconds=wait), **kw)
        assert r.status_code == 201, r.text
    assert ev(client, h, "c1", "ended", T0 + timedelta(seconds=200)).json()["talk_s"] == 190
    assert ev(client, h, "c1", "answered", T0 + timedelta(seconds=99), agent="operator1").json()["wait_s"] == 10
    recs = {r.call_id: r for r in db.scalars(select(CallRecord))}
    assert recs["c3"].state == "abandoned" and recs["c4"].state == "abandoned" and recs["c1"].state == "ended"
    assert db.scalar(select(CallEvent).where(CallEvent.call_id == "c1", CallEvent.type == "ended")) is not None
    m = client.get("/api/v1/telephony/metrics", headers=h,
                   params={"start": T0.isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}).json()
    assert (m["offered"], m["answered"], m["abandoned"]) == (4, 2, 2)
    assert m["connection_rate"] == 0.5 and m["answered_within_rate"] == 0.25 and m["average_wait_s"] == 20
    assert m["by_hour"][9]["offered"] == 4 and m["by_hour"][9]["abandon_rate"] == 0.5


def test_event_validation_and_access(client: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    h = as_user("admin")
    assert ev(client, h, "x", "ringing", T0).status_code == 422
    assert ev(client, h, "x", "answered", T0, agent="nobody").status_code == 422
    r = client.post("/api/v1/telephony/events", headers=h, json={"call_id": "x", "type": "offered",
                                                                  "at": "2026-03-02T09:00:00"})
    assert r.status_code == 422  # naive time
    assert ev(client, as_user("cg_handler"), "x", "offered", T0).status_code == 403
    assert client.post("/api/v1/telephony/events", json={"call_id": "x", "type": "offered"}).status_code == 401


def test_screen_pop_for_the_answering_operator(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    old = create(client, as_user("operator1"), citizen_phone="13700003333")
    now = datetime.now(UTC)
    h = as_user("admin")
    ev(client, h, "live1", "offered", now - timedelta(seconds=20), caller="13700003333")
    ev(client, h, "live1", "answered", now - timedelta(seconds=5), agent="operator1")
    login(client, "operator2", db=db)
    assert client.get("/telephony/pop").text == ""  # not operator2's call
    client.cookies.clear()
    login(client, "operator1", db=db)
    r = client.get("/telephony/pop", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "13700003333" in r.text
    assert "/orders/new?citizen_phone=13700003333" in r.text and old["number"] in r.text
    csrf = login(client, "operator1", db=db)
    assert client.post("/telephony/pop/live1/dismiss", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.get("/telephony/pop").text == ""


def test_dashboard_and_staffing(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    from hotline.telephony.flows import do_bulk_insert
    from hotline.telephony.simulate import simulate_calls

    recs = simulate_calls(days=2, calls_per_day=400, seed=7)
    do_bulk_insert(db, records=recs, label="test")
    assert any(r.state == "abandoned" for r in recs) and any(r.state == "ended" for r in recs)
    hours = {r.offered_at.hour for r in recs}
    assert len(hours) > 12
    login(client, "dispatcher", db=db)
    page = client.get("/telephony")
    assert page.status_code == 200 and "echarts.min.js" in page.text and 'id="hour-chart"' in page.text
    assert "接通率" in page.text
    csrf = login(client, "dispatcher", db=db)
    r = client.post("/telephony/staffing", headers={"X-CSRF-Token": csrf},
                    data={"volumes": "0, 200", "aht_s": "180", "target_sl": "0.8", "target_s": "20",
                          "csrf_token": csrf})
    assert r.status_code == 200 and "<strong>14</strong>" in r.text
    r = client.post("/telephony/staffing", data={"volumes": "abc", "csrf_token": csrf})
    assert r.status_code == 422
    api = client.post("/api/v1/telephony/staffing", headers=as_user("admin"),
                      json={"volumes": [200], "aht_s": 180, "target_sl": 0.8, "target_s": 20})
    assert api.json()["hours"][0]["agents"] == 14
    bad = client.post("/api/v1/telephony/staffing", headers=as_user("admin"), json={"volumes": [], "aht_s": 180})
    assert bad.status_code == 422
    client.cookies.clear()
    login(client, "cg_handler", db=db)
    assert client.get("/telephony").status_code == 403


def test_every_order_of_arrival_gives_the_same_record_and_metrics(client: TestClient, db: Session,
                                                                   as_user) -> None:  # type: ignore[no-untyped-def]
    """Events carry their own times: ended/answered/offered in any of the 6 orders → one record."""
    from itertools import permutations

    h = as_user("admin")
    times = {"offered": T0, "answered": T0 + timedelta(seconds=12), "ended": T0 + timedelta(seconds=132)}
    extra = {"offered": {"caller": "13800007777", "queue": "12345"}, "answered": {"agent": "operator1"},
             "ended": {}}
    records, metrics = [], []
    for i, order in enumerate(permutations(times)):
        cid = f"perm{i}"
        for t in order:
            r = ev(client, h, cid, t, times[t], **extra[t])
            assert r.status_code == 201, (order, r.text)
        rec = db.scalar(select(CallRecord).where(CallRecord.call_id == cid))
        db.refresh(rec)
        records.append((rec.state, rec.offered_at, rec.answered_at, rec.abandoned_at, rec.ended_at, rec.wait_s,
                        rec.talk_s, rec.caller, rec.queue, rec.agent_username, rec.agent_id is not None))
        # each call alone in its own hour of 2026-03-03, so its metrics can be read separately
        start = T0 + timedelta(days=1 + i)
        for t in order:  # the same call again, shifted by whole days, for a metrics window of its own
            assert ev(client, h, f"m{cid}", t, times[t] + timedelta(days=1 + i), **extra[t]).status_code == 201
        m = client.get("/api/v1/telephony/metrics", headers=h,
                       params={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}).json()
        metrics.append({k: m[k] for k in ("offered", "answered", "abandoned", "connection_rate",
                                          "answered_within_rate", "average_wait_s")})
    assert records[0] == (("ended", T0, T0 + timedelta(seconds=12), None, T0 + timedelta(seconds=132), 12, 120,
                           "13800007777", "12345", "operator1", True))
    assert all(r == records[0] for r in records), records
    assert metrics[0] == {"offered": 1, "answered": 1, "abandoned": 0, "connection_rate": 1.0,
                          "answered_within_rate": 1.0, "average_wait_s": 12}
    assert all(m == metrics[0] for m in metrics), metrics


def test_ended_then_answered_then_offered_is_an_answered_call(client: TestClient, db: Session,
                                                               as_user) -> None:  # type: ignore[no-untyped-def]
    """The reported defect: that order left an `abandoned` call with wait 0."""
    h = as_user("admin")
    ev(client, h, "late", "ended", T0 + timedelta(seconds=90))
    assert ev(client, h, "late", "answered", T0 + timedelta(seconds=30), agent="operator1").status_code == 201
    r = ev(client, h, "late", "offered", T0)
    assert r.json() == {"call_id": "late", "state": "ended", "wait_s": 30, "talk_s": 60}
    rec = db.scalar(select(CallRecord).where(CallRecord.call_id == "late"))
    db.refresh(rec)
    assert rec.abandoned_at is None and rec.answered_at == T0 + timedelta(seconds=30)


def test_an_answer_before_the_offer_is_refused(client: TestClient, db: Session, as_user) -> None:  # type: ignore[no-untyped-def]
    h = as_user("admin")
    assert ev(client, h, "back", "offered", T0).status_code == 201
    r = ev(client, h, "back", "answered", T0 - timedelta(seconds=5), agent="operator1")
    assert r.status_code == 422
    err = r.json()["error"]
    assert "接听时间" in err["message"] and "早于呼入时间" in err["message"]
    assert "answered time" in err["message_en"] and "before the offered time" in err["message_en"]
    # the other way round: the answer came first, then an offer timed after it
    assert ev(client, h, "back2", "answered", T0, agent="operator1").status_code == 201
    r2 = ev(client, h, "back2", "offered", T0 + timedelta(seconds=5))
    assert r2.status_code == 422 and "早于呼入时间" in r2.json()["error"]["message"]
    assert ev(client, h, "back3", "answered", T0 + timedelta(seconds=9), agent="operator1").status_code == 201
    assert ev(client, h, "back3", "ended", T0 + timedelta(seconds=3)).status_code == 422
    refused = db.scalars(select(CallEvent).where(CallEvent.call_id.in_(["back", "back2"]))).all()
    assert sorted(e.type for e in refused) == ["answered", "offered"]  # the refused events were not stored
    rec = db.scalar(select(CallRecord).where(CallRecord.call_id == "back"))
    db.refresh(rec)
    assert rec.state == "offered" and rec.answered_at is None and rec.wait_s is None
