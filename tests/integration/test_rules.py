"""Issue #19 items 4, 5, 7 (国办函〔2025〕66号): department work pushed down to a township needs a
reviewed reason; dispatch objections are decided within a working-day limit and a sustained one
leaves the objecting unit's figures; rankings print sample sizes, intervals and their exclusions."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from hotline.appeals.models import UnitRequest
from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.kpi import queries
from hotline.kpi.formulas import Period
from hotline.org.models import AuditLog, Unit
from hotline.outbox.models import OutboxMessage
from hotline.pushdown.models import Pushdown
from tests.integration.helpers import act, create, dispatched, ok

LAMP = "010101"  # 路灯: the catalogue names 青阳市城市管理局 (dept-chengguan)
NEIGHBOURS = "010701"  # 邻里纠纷: 属地 (territorial), the street's own work
STREET = "s-dongcheng-xinhua"
REASON = "该路段路灯由街道代管，街道网格员可当天到现场处置"


def _qs() -> str:
    today = utcnow().astimezone(city_tz()).date()
    return f"kind=custom&from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=60)).isoformat()}"


def test_push_down_needs_a_reason_and_is_reviewed(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    disp, sup = as_user("dispatcher"), as_user("supervisor")
    n = create(client, as_user("operator1"))["number"]
    r = act(client, disp, n, "dispatch", lead_unit=STREET, category_code=LAMP)
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "pushdown_reason_required"
    assert err["details"]["field"] == "pushdown_reason"
    assert "青阳市城市管理局" in err["message"]  # the catalogue's department is named
    assert act(client, disp, n, "dispatch", lead_unit=STREET, category_code=LAMP,
               pushdown_reason="就近").status_code == 422  # under 10 characters
    body = ok(client, disp, n, "dispatch", lead_unit=STREET, category_code=LAMP, pushdown_reason=REASON)
    ev = next(e for e in body["events"] if e["action"] == "dispatch")
    assert REASON in ev["note"]
    # the street's own (属地) work and a department's need no reason
    m = create(client, as_user("operator1"))["number"]
    ok(client, disp, m, "dispatch", lead_unit=STREET, category_code=NEIGHBOURS)
    k = create(client, as_user("operator1"))["number"]
    ok(client, disp, k, "dispatch", lead_unit="dept-chengguan", category_code=LAMP)
    assert db.scalar(select(Pushdown).where(Pushdown.order_id.in_(select_ids(db, m, k)))) is None
    check = client.get(f"/api/v1/pushdowns/check?lead_unit={STREET}&category_code={LAMP}", headers=disp).json()
    assert check["reason_required"] and check["catalogue_units"][0]["code"] == "dept-chengguan"
    # listed for the centre, not for units; only a supervisor reviews
    rows = client.get("/api/v1/pushdowns", headers=sup).json()
    pd = next(x for x in rows if x["order_number"] == n)
    assert pd["reason"] == REASON and pd["state"] == "pending" and pd["catalogue_units"] == ["dept-chengguan"]
    assert client.get("/api/v1/pushdowns", headers=as_user("xinhua_handler")).status_code == 403
    assert client.post(f"/api/v1/pushdowns/{pd['id']}/review", json={"accept": True, "note": "同意"},
                       headers=disp).status_code == 403
    r = client.post(f"/api/v1/pushdowns/{pd['id']}/review", json={"accept": False, "note": "路灯属城管职责，应派城管局"},
                    headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    assert client.post(f"/api/v1/pushdowns/{pd['id']}/review", json={"accept": True, "note": "再审"},
                       headers=sup).status_code == 409
    notes = [e["note"] or "" for e in client.get(f"/api/v1/orders/{n}", headers=sup).json()["events"]]
    assert any("下沉派单审核：理由不成立" in x for x in notes)
    # the supervisor board counts it under the dispatcher; the rankings under the street
    login(client, "supervisor", db=db)
    board = client.get("/supervision").text
    assert "下沉派单（按派单员）" in board and 'data-dispatcher="' in board
    login(client, "leader", db=db)
    page = client.get(f"/kpi?{_qs()}").text
    assert 'data-unit="s-dongcheng-xinhua"' in page and 'data-pushdowns="1"' in page


def select_ids(db, *numbers):  # type: ignore[no-untyped-def]
    from hotline.orders.models import Order

    return select(Order.id).where(Order.number.in_(numbers))


def test_console_shows_the_reason_field_only_for_a_push_down(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    n = create(client, as_user("operator1"), category_code=LAMP)["number"]
    csrf = login(client, "dispatcher", db=db)
    page = client.get(f"/orders/{n}").text
    assert f'hx-get="/orders/{n}/pushdown-field?action=dispatch"' in page and 'id="pd-dispatch"' in page
    field = client.get(f"/orders/{n}/pushdown-field?action=dispatch&lead_unit={STREET}&category_code={LAMP}").text
    assert 'name="pushdown_reason"' in field and "青阳市城市管理局" in field
    none = client.get(f"/orders/{n}/pushdown-field?action=dispatch&lead_unit=dept-chengguan&category_code={LAMP}").text
    assert "pushdown_reason" not in none
    r = client.post(f"/orders/{n}/act", data={"csrf_token": csrf, "action": "dispatch", "lead_unit": STREET,
                                              "category_code": LAMP, "pushdown_reason": REASON})
    assert r.status_code in (200, 303), r.text
    assert db.scalar(select(Pushdown.reason).join(Unit, Unit.id == Pushdown.unit_id).where(Unit.code == STREET)) == REASON


def _objection(client, headers, number, **kw):  # type: ignore[no-untyped-def]
    data = {"number": number, "kind": "objection", "reason": "路灯维护不属于住建局职责，应由城管局承办。",
            "basis": "市住建局三定方案第三条未列路灯维护；派单目录010101路灯承办单位为城管局", **kw}
    return client.post("/api/v1/appeals", data=data, headers=headers)


def test_sustained_objection_leaves_the_units_figures_and_queues_a_catalogue_change(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    disp, zj = as_user("dispatcher"), as_user("zj_handler")
    n = dispatched(client, as_user, "dept-zhujian")
    zhujian = db.scalar(select(Unit.id).where(Unit.code == "dept-zhujian"))
    now = utcnow()
    period = Period(now - timedelta(days=1), now + timedelta(days=1))
    before = queries.unit_counts(db, period, as_of=now)[zhujian].dispatched
    assert _objection(client, zj, n, basis="").status_code == 422  # the grounds are required
    assert _objection(client, as_user("cg_handler"), n).status_code == 404  # not its order
    r = _objection(client, zj, n, proposed_unit="dept-chengguan")
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["kind"] == "objection" and req["state"] == "pending" and req["decide_by"]
    assert req["proposed_unit"]["code"] == "dept-chengguan"
    assert _objection(client, zj, n).status_code == 409  # one at a time
    assert client.post(f"/api/v1/appeals/{req['id']}/decision", json={"accept": True, "note": "同意"},
                       headers=zj).status_code == 403
    r = client.post(f"/api/v1/appeals/{req['id']}/decision",
                    json={"accept": True, "note": "经核三定方案，路灯属城管职责", "redispatch_to": "dept-chengguan"},
                    headers=disp)
    assert r.status_code == 200 and r.json()["state"] == "accepted" and r.json()["change_state"] == "proposed"
    order = client.get(f"/api/v1/orders/{n}", headers=disp).json()
    assert order["lead_unit"]["code"] == "dept-chengguan"  # redispatched
    after = queries.unit_counts(db, period, as_of=now + timedelta(minutes=1)).get(zhujian)
    assert before >= 1 and (after.dispatched if after else 0) == before - 1
    # the unit sees the decision, in its list and its inbox
    mine = next(x for x in client.get("/api/v1/appeals", headers=zj).json() if x["id"] == req["id"])
    assert mine["state"] == "accepted" and mine["decision_note"] == "经核三定方案，路灯属城管职责"
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "objection.accepted",
                                                 OutboxMessage.recipient == "unit:dept-zhujian"))
    # the drill-down says why the dispatch is not counted
    login(client, "leader", db=db)
    drill = client.get(f"/kpi/drill?{_qs()}&unit=dept-zhujian&measure=dispatched").text
    assert n in drill and "派单异议成立，不计入本单位" in drill
    # the admin's change queue links the objection; marking it applied leaves an audit row
    csrf = login(client, "admin", db=db)
    page = client.get("/catalogue-changes").text
    assert f'href="/appeals/{req["id"]}"' in page and "三定方案第三条" in page and "青阳市城市管理局" in page
    r = client.post(f"/catalogue-changes/{req['id']}", data={"csrf_token": csrf, "state": "applied",
                                                              "note": "已在派单目录补充城管局路灯关键词"})
    assert r.status_code in (200, 303)
    assert db.scalar(select(UnitRequest.change_state).where(UnitRequest.id == req["id"])) == "applied"
    assert db.scalar(select(AuditLog).where(AuditLog.action == "catalogue_change.applied",
                                            AuditLog.entity_id == str(req["id"])))
    login(client, "dispatcher", db=db)
    assert client.get("/catalogue-changes").status_code == 200
    login(client, "zj_handler", db=db)
    assert client.get("/catalogue-changes").status_code == 403


def test_rejected_objection_stands_and_overdue_shows_on_the_board(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login

    zj = as_user("zj_handler")
    n = dispatched(client, as_user, "dept-zhujian")
    zhujian = db.scalar(select(Unit.id).where(Unit.code == "dept-zhujian"))
    now = utcnow()
    period = Period(now - timedelta(days=1), now + timedelta(days=1))
    before = queries.unit_counts(db, period, as_of=now)[zhujian].dispatched
    rid = _objection(client, zj, n).json()["id"]
    # overdue: its limit has passed without a decision
    req = db.get(UnitRequest, rid)
    req.decide_by = now - timedelta(hours=1)
    db.flush()
    login(client, "supervisor", db=db)
    board = client.get("/supervision").text
    assert "待审核派单异议" in board and f'data-objection="{rid}"' in board and "审核超期" in board
    r = client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": False, "note": "物业服务属住建职责"},
                    headers=as_user("supervisor"))
    assert r.json()["state"] == "rejected" and r.json()["change_state"] is None
    assert queries.unit_counts(db, period, as_of=now)[zhujian].dispatched == before  # it stands
    login(client, "zj_handler", db=db)
    detail = client.get(f"/appeals/{rid}").text
    assert "物业服务属住建职责" in detail and "已驳回" in detail


def test_rankings_and_exports_print_samples_intervals_and_exclusions(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from tests.conftest import login

    dispatched(client, as_user, "dept-chengguan")
    login(client, "leader", db=db)
    qs = _qs()
    page = client.get(f"/kpi?{qs}").text
    assert 'id="kpi-caliber"' in page and "派单异议成立：该工单不计入提出异议单位的派单、退单和评价" in page
    assert "经认定的不合理诉求" in page and 'data-n="1"' in page and "n=1 · " in page
    lines = client.get(f"/kpi/export.csv?{qs}").content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert "签收及时率样本量" in header and "签收及时率95%置信区间" in header and "下沉派单数" in header
    cg = next(x.split(",") for x in lines if "青阳市城市管理局" in x)
    assert cg[header.index("签收及时率样本量")] == "1"
    assert cg[header.index("签收及时率95%置信区间")].endswith("%")
    assert "口径说明" in lines and any(x.startswith("不计入：派单异议成立") for x in lines)
    from hotline.city.kpi_settings import kpi_settings

    minimum = kpi_settings().min_orders_for_ranking  # a city setting, printed with its value
    assert any(f"派单数少于{minimum}件的单位不参与排名" in x for x in lines)
    ws = load_workbook(io.BytesIO(client.get(f"/kpi/export.xlsx?{qs}").content)).active
    cells = [r[0] for r in ws.iter_rows(values_only=True)]
    assert "口径说明" in cells and any(str(c).startswith("综合得分 = 签收及时率") for c in cells)
    assert any(str(c).startswith("不计入：经认定的不合理诉求") for c in cells)
