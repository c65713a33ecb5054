"""Reply quality on the platform: a perfunctory reply is flagged at reply time, refused at review
without a written override, shown beside the reply with its reasons; the unit answers the flag and a
supervisor decides; a cleared flag counts nowhere (issue #17 items 1 and 4)."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.orders.models import Order
from hotline.outbox.models import OutboxMessage
from hotline.replies.models import ReplyFlag
from hotline.replies.service import flag_counts
from tests.conftest import login
from tests.integration.helpers import act, dispatched, ok, sql_statements

PERFUNCTORY = "您反映的问题已收悉，已转相关部门调查处理。"
GOOD = "经现场核查，占道摊贩情况属实。城管中队已于当晚清理摊点并责令摊主搬离，今后每晚安排队员巡查。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def replied(client, as_user, content: str = PERFUNCTORY) -> str:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    h = as_user("cg_handler")
    ok(client, h, n, "sign")
    ok(client, h, n, "reply", content=content)
    return n


def flag_of(db, number: str) -> ReplyFlag:  # type: ignore[no-untyped-def]
    order = db.scalar(select(Order).where(Order.number == number))
    return db.scalar(select(ReplyFlag).where(ReplyFlag.order_id == order.id))


def test_perfunctory_reply_cannot_be_completed_without_a_written_override(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user)
    disp = as_user("dispatcher")
    r = act(client, disp, n, "complete", note="同意办结")
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "perfunctory_reply"
    assert "仅称已转交，未说明办理结果" in err["message"] and "perfunctory" in err["message_en"]
    assert act(client, disp, n, "complete", quality_override_reason="可以").status_code == 409  # under 5 characters
    assert client.get(f"/api/v1/orders/{n}", headers=disp).json()["status"] == "replied"
    body = ok(client, disp, n, "complete", note="同意办结", quality_override_reason="已电话核实市民问题已解决")
    assert body["status"] == "completed"
    ev = [e for e in client.get(f"/api/v1/orders/{n}", headers=disp).json()["events"] if e["action"] == "complete"][-1]
    assert ev["data"]["reply_quality"]["flag"] is True
    assert ev["data"]["reply_quality"]["override_reason"] == "已电话核实市民问题已解决"
    assert flag_of(db, n).override_reason == "已电话核实市民问题已解决"


def test_substantive_reply_completes_as_before_and_raises_no_flag(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user, GOOD)
    assert ok(client, as_user("dispatcher"), n, "complete")["status"] == "completed"
    assert flag_of(db, n) is None
    got = client.get(f"/api/v1/replies/orders/{n}", headers=as_user("dispatcher")).json()
    assert got["quality"] == 2 and got["flag"] is False


def test_reply_event_and_unit_notice_carry_the_score(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user)
    ev = [e for e in client.get(f"/api/v1/orders/{n}", headers=as_user("dispatcher")).json()["events"]
          if e["action"] == "reply"][-1]
    assert ev["data"]["reply_quality"]["quality"] == 0
    order = db.scalar(select(Order).where(Order.number == n))
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.order_id == order.id,
                                                   OutboxMessage.topic == "reply.flagged"))
    assert notice.recipient == "unit:dept-chengguan" and "仅称已转交" in notice.payload["reasons"]


def test_unit_answers_the_flag_and_the_supervisor_clears_it(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user)
    fid = flag_of(db, n).id
    unit_id = flag_of(db, n).unit_id
    assert flag_counts(db, unit_ids=[unit_id]) == {unit_id: 1}
    cg, zj, sup, disp = as_user("cg_handler"), as_user("zj_handler"), as_user("supervisor"), as_user("dispatcher")
    assert client.get(f"/api/v1/replies/flags/{fid}", headers=zj).status_code == 404  # another unit's flag
    assert client.post(f"/api/v1/replies/flags/{fid}/answer", data={"explanation": "太短"}, headers=cg).status_code == 422
    r = client.post(f"/api/v1/replies/flags/{fid}/answer", headers=cg,
                    data={"explanation": "答复前已到现场清理摊点，答复时漏写了处理经过，现补充现场照片。"},
                    files=[("files", ("现场照片.png", PNG, "image/png"))])
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "answered" and len(r.json()["attachment_ids"]) == 1
    assert client.post(f"/api/v1/replies/flags/{fid}/answer", headers=cg,
                       data={"explanation": "再次说明情况，请督办员审核。"}).status_code == 409
    assert client.post(f"/api/v1/replies/flags/{fid}/decision", json={"upheld": False, "note": "同意"},
                       headers=disp).status_code == 403  # supervisors decide
    r = client.post(f"/api/v1/replies/flags/{fid}/decision", json={"upheld": False, "note": "照片证明已处理，撤销标记"},
                    headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "cleared"
    assert flag_counts(db, unit_ids=[unit_id]) == {}  # a cleared flag counts nowhere
    notes = [e["note"] or "" for e in client.get(f"/api/v1/orders/{n}", headers=sup).json()["events"]]
    assert any("敷衍答复标记情况说明" in x for x in notes) and any("敷衍答复标记裁定：撤销" in x for x in notes)
    assert client.post(f"/api/v1/replies/flags/{fid}/decision", json={"upheld": True, "note": "再审"},
                       headers=sup).status_code == 409


def test_upheld_flag_still_counts(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user)
    f = flag_of(db, n)
    r = client.post(f"/api/v1/replies/flags/{f.id}/decision", json={"upheld": True, "note": "答复确属推诿"},
                    headers=as_user("supervisor"))
    assert r.json()["state"] == "upheld"
    assert flag_counts(db, unit_ids=[f.unit_id]) == {f.unit_id: 1}


def test_score_endpoint_is_the_same_check(client, as_user) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/replies/score", headers=as_user("cg_handler"),
                    json={"reply": "建议您拨打12345市长热线咨询。", "subject": "路灯不亮", "message": "小区路灯坏了"})
    assert r.status_code == 200 and r.json()["flag"] is True


def test_reviewer_sees_score_and_completes_with_override_in_the_console(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user)
    csrf = login(client, "dispatcher", db=db)
    page = client.get(f"/orders/{n}")
    assert f'hx-get="/orders/{n}/reply-quality"' in page.text and f'/orders/{n}/reply-quality/override' in page.text
    panel = client.get(f"/orders/{n}/reply-quality").text
    assert "敷衍答复" in panel and "仅称已转交，未说明办理结果" in panel
    field = client.get(f"/orders/{n}/reply-quality/override").text
    assert 'name="quality_override_reason"' in field and "不能直接办结" in field
    r = client.post(f"/orders/{n}/act", data={"action": "complete", "csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.status_code == 409 and "敷衍答复" in r.text
    r = client.post(f"/orders/{n}/reply-quality/complete", headers={"HX-Request": "true"},
                    data={"csrf_token": csrf, "quality_override_reason": "已电话回访，市民确认已解决"})
    assert r.status_code == 200, r.text
    assert "审核办结" in r.text
    assert db.scalar(select(Order).where(Order.number == n)).status == "completed"


def test_handler_gets_the_hint_before_sending(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, "dept-chengguan")
    ok(client, as_user("cg_handler"), n, "sign")
    csrf = login(client, "cg_handler", db=db)
    page = client.get(f"/orders/{n}").text
    assert f'hx-post="/orders/{n}/reply-quality/hint"' in page
    hint = client.post(f"/orders/{n}/reply-quality/hint", data={"content": PERFUNCTORY, "csrf_token": csrf},
                       headers={"X-CSRF-Token": csrf})
    assert hint.status_code == 200 and "敷衍答复" in hint.text and "仅称已转交" in hint.text
    good = client.post(f"/orders/{n}/reply-quality/hint", data={"content": GOOD}, headers={"X-CSRF-Token": csrf})
    assert "答复实质" in good.text


def test_flag_pages_for_the_supervisor_and_the_unit(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = replied(client, as_user)
    fid = flag_of(db, n).id
    login(client, "supervisor", db=db)
    listing = client.get("/reply-flags").text
    assert n in listing and "仅称已转交，未说明办理结果" in listing and "待单位说明" in listing
    detail = client.get(f"/reply-flags/{fid}").text
    assert "维持标记" in detail and "撤销标记" in detail and PERFUNCTORY in detail
    client.cookies.clear()
    csrf = login(client, "cg_handler", db=db)
    mine = client.get("/reply-flags").text
    assert n in mine
    page = client.get(f"/reply-flags/{fid}").text
    assert 'name="explanation"' in page and "维持标记" not in page
    r = client.post(f"/reply-flags/{fid}/answer", data={"csrf_token": csrf,
                                                        "explanation": "已到现场清理，答复漏写处理经过，特此说明。"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "已到现场清理" in client.get(f"/reply-flags/{fid}").text
    client.cookies.clear()
    login(client, "zj_handler", db=db)
    assert n not in client.get("/reply-flags").text
    assert re.search(r"404|找不到", client.get(f"/reply-flags/{fid}").text)


def test_flag_list_statements_do_not_grow_with_flags(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    """The list read each flag's repeat-call order on its own (one query per flag, issue #20 item 7)."""
    def statements() -> tuple[int, str]:
        client.get("/reply-flags", headers=as_user("supervisor"))  # the first GET may fill process caches
        with sql_statements() as seen:
            r = client.get("/reply-flags", headers=as_user("supervisor"))
        assert r.status_code == 200
        return len(seen), r.text

    first = [replied(client, as_user) for _ in range(2)]
    few, html = statements()
    assert all(n in html for n in first)
    more = [replied(client, as_user) for _ in range(5)]
    many, html = statements()
    assert all(n in html for n in first + more) and html.count("仅称已转交，未说明办理结果") >= 7
    assert many == few, f"/reply-flags read {few} statements for 2 flags and {many} for 7"
