"""KPIs end to end: orders driven through the real flows, then the SQL numbers must equal the pure
formulas on the same rows, and match what a person counts by hand; the pages and exports show them."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.appeals.models import UnitRequest
from hotline.callbacks.models import Evaluation
from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.kpi import formulas as f
from hotline.kpi import queries
from hotline.kpi.models import AssignmentLimit
from hotline.kpi.periods import custom
from hotline.orders.models import Assignment, OrderRequest
from hotline.org.models import Unit
from tests.integration.helpers import dispatched, ok
from tests.integration.test_appeals import file
from tests.integration.test_callbacks import call, task_of


def _period() -> f.Period:
    today = utcnow().astimezone(city_tz()).date()
    return custom(today - timedelta(days=1), today + timedelta(days=60))


def _handled(client, as_user, lead="dept-chengguan") -> str:  # type: ignore[no-untyped-def]
    n = dispatched(client, as_user, lead)
    cg = as_user("cg_handler")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "reply", content="已到现场处理完毕，占道摊贩已清理。")
    ok(client, as_user("dispatcher"), n, "complete")
    return n


def scenario(client, as_user, db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    disp, sup = as_user("dispatcher"), as_user("supervisor")
    o1 = _handled(client, as_user)  # satisfied
    call(client, as_user, task_of(db, o1).id, reached=True, solved=True, satisfaction="satisfied")
    o2 = _handled(client, as_user)  # dissatisfied, appeal accepted → evaluation excluded
    call(client, as_user, task_of(db, o2).id, reached=True, solved=False, satisfaction="dissatisfied")
    ev2 = db.scalar(select(Evaluation.id).where(Evaluation.task_id == task_of(db, o2).id))
    rid = file(client, as_user("cg_handler"), o2, "appeal", evaluation_id=ev2).json()["id"]
    client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": True, "note": "核实后采纳"}, headers=sup)
    o3 = dispatched(client, as_user, "dept-zhujian")  # returned by 住建, then to 城管 (not signed)
    ok(client, as_user("zj_handler"), o3, "request_return", reason="占道经营属城管职责，申请退回")
    ok(client, disp, o3, "approve_return", note="同意")
    ok(client, disp, o3, "dispatch", lead_unit="dept-chengguan")
    o4 = dispatched(client, as_user, "dept-chengguan")  # designated unreasonable → excluded
    rid = file(client, as_user("cg_handler"), o4, "designation").json()["id"]
    client.post(f"/api/v1/appeals/{rid}/decision", json={"accept": True, "note": "认定不合理"}, headers=sup)
    o5 = _handled(client, as_user)  # dissatisfied → reopened by the centre
    call(client, as_user, task_of(db, o5).id, reached=True, solved=False, satisfaction="basic")
    client.post(f"/api/v1/callbacks/{task_of(db, o5).id}/review",
                json={"decision": "reopen", "reason": "市民反映仍未解决，重办"}, headers=disp)
    return {"o1": o1, "o2": o2, "o3": o3, "o4": o4, "o5": o5}


def pure_counts(db: Session, period: f.Period, as_of, rules=None) -> dict[int, f.Counts]:  # type: ignore[no-untyped-def]
    """Read the rows plainly and hand them to the pure formulas (``rules``: the exclusion rules on)."""
    desig = set(db.scalars(select(UnitRequest.order_id).where(UnitRequest.kind == "designation",
                                                              UnitRequest.state == "accepted")))
    objected = set(db.execute(select(UnitRequest.order_id, UnitRequest.unit_id).where(
        UnitRequest.kind == "objection", UnitRequest.state == "accepted")).all())
    limits = {x.assignment_id: x for x in db.scalars(select(AssignmentLimit))}
    assignments = []
    for a in db.scalars(select(Assignment).where(Assignment.role == "lead")):
        lim = limits.get(a.id)
        assignments.append(f.AssignmentRec(
            a.unit_id, lim.assigned_at if lim else a.assigned_at, sign_due_at=lim.sign_due_at if lim else None,
            signed_at=a.signed_at, due_at=lim.due_at if lim else None, replied_at=a.replied_at,
            first_due_at=lim.first_due_at if lim else None,
            ended_at=a.ended_at, end_reason=a.end_reason, designated=a.order_id in desig,
            objected=(a.order_id, a.unit_id) in objected))
    returns = [f.ReturnRec(r.unit_id, r.decided_at, r.order_id in desig, (r.order_id, r.unit_id) in objected)
               for r in db.scalars(select(OrderRequest).where(OrderRequest.kind == "return",
                                                              OrderRequest.state == "approved"))]
    evals = [f.EvaluationRec(e.unit_id, e.at, e.solved, e.satisfaction, e.excluded_reason,
                             (e.order_id, e.unit_id) in objected)
             for e in db.scalars(select(Evaluation).where(Evaluation.unit_id.is_not(None)))]
    return f.count_units(period, as_of=as_of, assignments=assignments, returns=returns, evaluations=evals, rules=rules)


def test_sql_equals_pure_formulas_and_hand_count(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    scenario(client, as_user, db)
    period, as_of = _period(), utcnow() + timedelta(days=61)
    sql = queries.unit_counts(db, period, as_of=as_of)
    assert sql == pure_counts(db, period, as_of)
    cg = db.scalar(select(Unit.id).where(Unit.code == "dept-chengguan"))
    zj = db.scalar(select(Unit.id).where(Unit.code == "dept-zhujian"))
    c = sql[cg]
    # by hand: dispatches o1 o2 o3 o5 + o5's reopen = 5 (o4 designated); signed on time o1 o2 o5 = 3
    assert (c.dispatched, c.signed_on_time) == (5, 3)
    # replied o1 o2 o5; reopened o5; evaluations o1 (satisfied) and o5 (basic, unsolved); o2's excluded
    assert (c.replied, c.reopened, c.evaluated, c.solved, c.satisfied, c.basic) == (3, 1, 2, 1, 1, 1)
    # due within the period (as of +61 days every deadline has passed): o1 o2 o5(first) replied in time, o3
    # and o5's reopen not replied
    assert (c.due, c.on_time) == (5, 3)
    assert (sql[zj].dispatched, sql[zj].returns) == (1, 1)
    r = f.rates(c)
    assert r.response == 0.6 and r.resolution == 0.5 and r.satisfaction == 1.0
    fc = queries.first_contact(db, period)
    assert fc[1] >= 5 and fc[0] == 0


def test_pages_exports_and_drill_down(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from tests.conftest import login

    orders = scenario(client, as_user, db)
    today = utcnow().astimezone(city_tz()).date()
    qs = f"kind=custom&from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=60)).isoformat()}"
    api = client.get(f"/api/v1/kpi/rankings?{qs}", headers=as_user("leader")).json()
    row = next(r for r in api["rows"] if r["unit_code"] == "dept-chengguan")
    from hotline.city.kpi_settings import kpi_settings

    minimum = kpi_settings().min_orders_for_ranking
    assert row["dispatched"] == 5
    assert (row["rank"] is None) == (5 < minimum)  # under the minimum: listed apart, not ranked
    assert client.get(f"/api/v1/kpi/rankings?{qs}", headers=as_user("cg_handler")).status_code == 403
    assert client.get("/api/v1/kpi/rankings?kind=month&value=2026-13", headers=as_user("leader")).status_code == 422
    dash = client.get(f"/api/v1/kpi/dashboard?{qs}", headers=as_user("leader")).json()
    assert dash["funnel"]["received"] >= 5 and sum(n for _, n in dash["daily"]) == dash["funnel"]["received"]
    login(client, "leader", db=db)
    page = client.get(f"/kpi?{qs}")
    assert page.status_code == 200 and "青阳市城市管理局" in page.text and "派单量不足" in page.text
    assert client.get(f"/dashboard?{qs}").status_code == 200
    csv = client.get(f"/kpi/export.csv?{qs}")
    assert csv.status_code == 200 and "青阳市城市管理局" in csv.content.decode("utf-8-sig")
    xlsx = client.get(f"/kpi/export.xlsx?{qs}&group=departments")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    names = [r[3] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "青阳市城市管理局" in names and "青阳市东城区" not in names
    drill = client.get(f"/kpi/drill?{qs}&unit=dept-chengguan&measure=evaluated")
    assert drill.status_code == 200 and orders["o2"] in drill.text and "申诉已采纳，不计入考核" in drill.text
    drill = client.get(f"/kpi/drill?{qs}&unit=dept-chengguan&measure=dispatched")
    assert orders["o4"] in drill.text and "不合理诉求，不计入考核" in drill.text
    assert client.get(f"/kpi/drill?{qs}&unit=nope&measure=dispatched").status_code == 404


def test_public_page_needs_no_login_and_shows_no_personal_data(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    orders = scenario(client, as_user, db)
    r = client.get("/public/performance")
    assert r.status_code == 200 and "承办单位办理情况公示" in r.text
    month = utcnow().astimezone(city_tz()).strftime("%Y-%m")
    r = client.get(f"/public/performance?value={month}")
    assert r.status_code == 200
    assert "13912345678" not in r.text and orders["o1"] not in r.text and "占道" not in r.text
    assert client.get("/public/performance?value=abc").status_code == 422


def test_dashboard_figures_equal_a_plain_count(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    """The orders figures (rewritten for speed, docs/kpi.md §7) equal counting the rows in Python."""
    from collections import Counter

    from hotline.orders.models import Order

    scenario(client, as_user, db)
    period = _period()
    rows = [o for o in db.scalars(select(Order)) if o.created_at in period]
    days = Counter(o.created_at.astimezone(city_tz()).date().isoformat() for o in rows)
    assert queries.daily_volume(db, period) == sorted(days.items())
    assert dict(queries.category_mix(db, period)) == Counter(
        o.category_code[:2] if o.category_code else None for o in rows)
    assert queries.territory_counts(db, period) == Counter(o.territory_unit_id for o in rows)
    fun = queries.funnel(db, period)
    assert fun == {"received": len(rows), **{k: sum(getattr(o, col) is not None for o in rows) for k, col in (
        ("dispatched", "first_dispatched_at"), ("signed", "signed_at"), ("replied", "replied_at"),
        ("completed", "completed_at"), ("closed", "closed_at"))}}
    live = [o for o in rows if o.status != "merged"]
    assert queries.first_contact(db, period) == (sum(bool(o.first_contact_resolved) for o in live), len(live))
