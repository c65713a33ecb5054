"""Suspected fake completion (疑似虚假办结, issue #17 items 3 and 4): the citizen's word against the unit's.

A callback that finds "unsolved" an order the unit said was solved, or the same caller calling again
about the same matter, raises a case for the supervisor with both texts side by side and the callback's
recording note; the unit answers it like any flag, the supervisor decides, and a cleared case counts
nowhere — not in the flag counts, not in the unit's rate beside its satisfaction rate."""

from __future__ import annotations

from sqlalchemy import select

from hotline.db import utcnow
from hotline.kpi.formulas import Period
from hotline.orders.models import Order
from hotline.outbox.models import OutboxMessage
from hotline.replies.models import ReplyFlag
from hotline.replies.service import fake_rates, flag_counts
from tests.integration.helpers import DEMAND, create, dispatched, ok
from tests.integration.test_callbacks import call, task_of

SOLVED = "经现场核查，占道摊贩情况属实。城管中队已于当晚清理摊点并责令摊主搬离，问题已解决。"
CITIZEN = "摊贩根本没走，昨晚还在门口摆摊到十一点，噪音一样大。"


def completed(client, as_user, reply: str = SOLVED) -> str:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    h = as_user("cg_handler")
    ok(client, h, n, "sign")
    ok(client, h, n, "reply", content=reply)
    ok(client, as_user("dispatcher"), n, "complete")
    return n


def case_of(db, number: str) -> ReplyFlag | None:  # type: ignore[no-untyped-def]
    order = db.scalar(select(Order).where(Order.number == number))
    return db.scalar(select(ReplyFlag).where(ReplyFlag.order_id == order.id, ReplyFlag.kind == "suspected_fake"))


def this_month() -> Period:
    now = utcnow()
    from datetime import timedelta

    return Period(now - timedelta(days=30), now + timedelta(days=1))


def test_unsolved_callback_on_a_solved_order_raises_a_case_for_the_supervisor(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    task = task_of(db, n)
    r = call(client, as_user, task.id, reached=True, solved=False, satisfaction="dissatisfied", comment=CITIZEN,
             recording_note="录音 REC-20261202-0931，02:15 起诉求人称摊贩仍在")
    assert r.status_code == 200, r.text
    case = case_of(db, n)
    assert case is not None and case.state == "open" and case.trigger == "callback"
    assert case.unit.code == "dept-chengguan" and case.reply_id is None
    assert case.claim_reply.content == SOLVED and case.citizen_text == CITIZEN
    assert case.recording_note.startswith("录音 REC-20261202-0931")
    assert "回访时诉求人称未解决（不满意）" in case.reasons[0]["zh"]
    notices = {m.recipient: m for m in db.scalars(select(OutboxMessage).where(
        OutboxMessage.order_id == case.order_id, OutboxMessage.topic == "fake_case.raised"))}
    assert set(notices) == {"role:supervisor", "unit:dept-chengguan"}
    # the supervisor's page: the unit's reply and the citizen's words side by side, with the recording note
    page = client.get(f"/reply-flags/{case.id}", headers=as_user("supervisor"))
    assert page.status_code == 200
    html = page.text
    assert "疑似虚假办结" in html and "class=\"side-by-side\"" in html
    left, right = html.index('data-side="unit"'), html.index('data-side="citizen"')
    assert left < html.index(SOLVED) < right < html.index(CITIZEN)
    assert "REC-20261202-0931" in html
    listing = client.get("/reply-flags?kind=suspected_fake", headers=as_user("supervisor")).text
    assert n in listing
    # the API says the same
    got = client.get(f"/api/v1/replies/flags/{case.id}", headers=as_user("supervisor")).json()
    assert got["kind"] == "suspected_fake" and got["reply"] == SOLVED and got["citizen_text"] == CITIZEN


def test_unit_answers_the_case_and_a_cleared_case_counts_nowhere(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n1, n2 = completed(client, as_user), completed(client, as_user)
    for n in (n1, n2):
        call(client, as_user, task_of(db, n).id, reached=True, solved=False, satisfaction="dissatisfied",
             comment=CITIZEN)
    c1, c2 = case_of(db, n1), case_of(db, n2)
    uid = c1.unit_id
    assert flag_counts(db, unit_ids=[uid], kind="suspected_fake") == {uid: 2}
    assert flag_counts(db, unit_ids=[uid]) == {}  # the perfunctory count is its own
    row = next(r for r in fake_rates(db, period=this_month(), as_of=utcnow()) if r["unit"]["id"] == uid)
    assert (row["evaluated"], row["fake_cases"], row["satisfaction"], row["fake_rate"]) == (2, 2, 0.0, 1.0)
    cg, sup = as_user("cg_handler"), as_user("supervisor")
    assert client.post(f"/api/v1/replies/flags/{c1.id}/answer", headers=as_user("zj_handler"),
                       data={"explanation": "不是本单位的工单，无从说明情况。"}).status_code == 404
    r = client.post(f"/api/v1/replies/flags/{c1.id}/answer", headers=cg,
                    data={"explanation": "当晚确已清理，摊贩次日又回来摆摊，属于反复出现，已安排夜间值守。"})
    assert r.status_code == 200 and r.json()["state"] == "answered"
    r = client.post(f"/api/v1/replies/flags/{c1.id}/decision", headers=sup,
                    json={"upheld": False, "note": "单位已清理，摊贩反复出现，不属虚假办结"})
    assert r.status_code == 200 and r.json()["state"] == "cleared"
    r = client.post(f"/api/v1/replies/flags/{c2.id}/decision", headers=sup, json={"upheld": True, "note": "未到现场"})
    assert r.json()["state"] == "upheld"
    assert flag_counts(db, unit_ids=[uid], kind="suspected_fake") == {uid: 1}  # the cleared case counts nowhere
    row = next(r for r in fake_rates(db, period=this_month(), as_of=utcnow()) if r["unit"]["id"] == uid)
    assert (row["evaluated"], row["fake_cases"], row["cleared"], row["fake_rate"]) == (2, 1, 1, 0.5)
    notes = [e["note"] or "" for e in client.get(f"/api/v1/orders/{n1}", headers=sup).json()["events"]]
    assert any(x.startswith("疑似虚假办结情况说明：当晚确已清理") for x in notes)
    assert any(x.startswith("疑似虚假办结裁定：撤销") for x in notes)
    decided = db.scalar(select(OutboxMessage).where(OutboxMessage.order_id == c1.order_id,
                                                    OutboxMessage.topic == "fake_case.decided"))
    assert decided.recipient == "unit:dept-chengguan" and decided.payload["decision"] == "撤销"
    # the rates beside satisfaction, for the centre
    api = client.get("/api/v1/replies/fake-rates", headers=sup).json()
    assert any(r["unit"]["code"] == "dept-chengguan" and r["fake_cases"] == 1 for r in api["rows"])
    assert client.get("/api/v1/replies/fake-rates", headers=cg).status_code == 403
    page = client.get("/reply-flags/rates", headers=sup).text
    assert "疑似虚假办结率" in page and "满意率" in page and "50.0%" in page


def test_honest_cannot_or_a_solved_callback_raises_nothing(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    honest = completed(client, as_user, reply="经查，该路段属于私人小区内部道路，依据《物业管理条例》由业主自行管理，城管部门无执法权限。")
    call(client, as_user, task_of(db, honest).id, reached=True, solved=False, satisfaction="dissatisfied")
    assert case_of(db, honest) is None  # the unit never said it was solved
    fine = completed(client, as_user)
    call(client, as_user, task_of(db, fine).id, reached=True, solved=True, satisfaction="satisfied")
    assert case_of(db, fine) is None


def test_same_caller_calls_again_about_the_same_matter(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = completed(client, as_user)
    again = create(client, as_user("operator1"), content=DEMAND["content"] + "上次说处理了，其实摊贩还在。")
    case = case_of(db, n)
    assert case is not None and case.trigger == "repeat_call"
    assert case.repeat_order.number == again["number"] and "其实摊贩还在" in case.citizen_text
    assert case.claim_reply.content == SOLVED
    html = client.get(f"/reply-flags/{case.id}", headers=as_user("supervisor")).text
    assert again["number"] in html and "同一来电人再次来电" in html


def test_the_agent_records_the_recording_note_in_the_console(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    n = completed(client, as_user)
    task = task_of(db, n)
    csrf = login(client, "callback1", db=db)
    assert 'name="recording_note"' in client.get("/callbacks").text
    r = client.post(f"/callbacks/{task.id}/call", follow_redirects=False, data={
        "csrf_token": csrf, "reached": "true", "solved": "false", "satisfaction": "basic", "comment": CITIZEN,
        "recording_note": "录音 REC-7788，03:02 起"})
    assert r.status_code == 303
    case = case_of(db, n)
    assert case.recording_note == "录音 REC-7788，03:02 起" and "（基本满意）" in case.reasons[0]["zh"]
