"""Each KPI is defined once (hotline/kpi/definitions.py) and used three ways: evaluated on plain
records (the pure formula), compiled to SQL (the figures), compiled to the drill-down's filter.
On orders driven through the real flows, for every count of every unit, the three must agree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.kpi import definitions as d
from hotline.kpi import drill, queries
from hotline.kpi import formulas as f
from hotline.kpi.models import AssignmentLimit
from hotline.orders.models import Assignment, Order
from hotline.org.models import Unit
from tests.integration.helpers import dispatched, ok
from tests.integration.test_kpi import _period, pure_counts, scenario


def extended(client, as_user, db: Session) -> str:  # type: ignore[no-untyped-def]
    """An order of 城管 given an approved extension (3 days) through the real flows, replied after its
    first deadline and before the extended one (the reply's time set by hand: the test cannot wait days)."""
    n = dispatched(client, as_user, "dept-chengguan")
    cg, sup = as_user("cg_handler"), as_user("supervisor")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "request_extension", reason="需要协调多个部门现场会商", extra_days=3)
    ok(client, sup, n, "approve_extension", note="同意")
    ok(client, cg, n, "reply", content="已协调住建、城管现场会商，问题已处理。")
    order = db.scalar(select(Order).where(Order.number == n))
    assert order is not None
    a = db.scalar(select(Assignment).where(Assignment.order_id == order.id, Assignment.role == "lead"))
    lim = db.get(AssignmentLimit, a.id) if a is not None else None
    assert a is not None and lim is not None and lim.first_due_at is not None and lim.due_at is not None
    assert lim.due_at > lim.first_due_at  # the hook kept the first deadline and moved the one in force
    a.replied_at = lim.first_due_at + timedelta(hours=2)
    assert a.replied_at < lim.due_at
    db.flush()
    return n


def _agree(db: Session, period: f.Period, as_of: datetime, rules: frozenset[str] | None = None) -> dict[int, f.Counts]:
    """pure == SQL == drill-down rows, for every count of every unit; returns the counts
    (``rules``: the exclusion rules that are on; None: the settings in force, all on by default)."""
    pure = pure_counts(db, period, as_of, rules)
    sql = queries.unit_counts(db, period, as_of=as_of, rules=rules)
    assert sql == pure
    for uid, counts in sql.items():
        for src in d.SOURCES:
            rows = drill.records(db, unit_ids=[uid], measure=src.key, period=period, as_of=as_of, rules=rules)
            counted = [r for r in rows if r["excluded"] is None]
            for cnt in src.counts:
                assert sum(r["counts"][cnt.key] for r in counted) == getattr(counts, cnt.key), (uid, src.key, cnt.key)
    return sql


def test_24_hour_sign_rate_on_both_databases(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """The one KPI that compares two times of a record: 23 h 59 min counts, 24 h 1 min does not."""
    scenario(client, as_user, db)
    cg = db.scalar(select(Unit.id).where(Unit.code == "dept-chengguan"))
    signed = list(db.scalars(select(Assignment).where(Assignment.unit_id == cg, Assignment.role == "lead",
                                                      Assignment.signed_at.is_not(None)).order_by(Assignment.id)))
    assert len(signed) == 3
    signed[0].signed_at = signed[0].assigned_at + timedelta(hours=23, minutes=59)
    signed[1].signed_at = signed[1].assigned_at + timedelta(hours=24, minutes=1)
    db.flush()
    c = _agree(db, _period(), utcnow() + timedelta(days=61))[cg]
    assert (c.dispatched, c.signed_24h) == (5, 2)
    assert f.rates(c).sign_24h == 0.4


def test_pure_sql_and_drill_down_agree_for_every_count(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    scenario(client, as_user, db)
    period = _period()
    for as_of in (utcnow(), utcnow() + timedelta(days=61)):  # before and after the deadlines pass ("due")
        assert len(_agree(db, period, as_of)) >= 2  # 城管 and 住建 at least: not a comparison over nothing
    # the scenario exercises every count: a definition that counted nothing would pass unnoticed
    late = queries.unit_counts(db, period, as_of=utcnow() + timedelta(days=61))
    total = sum(late.values(), f.Counts())
    assert all(v > 0 for k, v in total.as_dict().items() if k not in ("dissatisfied",)), total


@pytest.mark.parametrize("off", [*d.RULE_KEYS, "all"])
def test_pure_sql_and_drill_down_agree_under_a_non_default_rule_set(client, as_user, db: Session, off: str) -> None:  # type: ignore[no-untyped-def]
    """With an exclusion rule switched off, the three readings still agree, and the records it used to
    leave out now count (designation: o4's dispatches; appeal: o2's evaluation)."""
    orders = scenario(client, as_user, db)
    ext = extended(client, as_user, db)
    period, as_of = _period(), utcnow() + timedelta(days=61)
    rules = frozenset() if off == "all" else frozenset(d.RULE_KEYS) - {off}
    default = _agree(db, period, as_of)
    changed = _agree(db, period, as_of, rules)
    cg = db.scalar(select(Unit.id).where(Unit.code == "dept-chengguan"))
    if off in ("designation", "all"):
        assert changed[cg].dispatched > default[cg].dispatched
        rows = drill.records(db, unit_ids=[cg], measure="dispatched", period=period, as_of=as_of, rules=rules)
        assert [r["excluded"] for r in rows if r["number"] == orders["o4"]] == [None]
    if off in ("appeal", "all"):
        assert changed[cg].evaluated == default[cg].evaluated + 1
        rows = drill.records(db, unit_ids=[cg], measure="evaluated", period=period, as_of=as_of, rules=rules)
        assert [r["excluded"] for r in rows if r["number"] == orders["o2"]] == [None]
    if off in ("extension", "all"):  # the extended order is late against its first deadline
        assert changed[cg].on_time == default[cg].on_time - 1  # (o4, counted with "all", was never replied)
        assert off == "all" or changed[cg].due == default[cg].due
        rows = drill.records(db, unit_ids=[cg], measure="due", period=period, as_of=as_of, rules=rules)
        assert [r["counts"]["on_time"] for r in rows if r["number"] == ext] == [False]
    else:
        assert changed[cg].on_time == default[cg].on_time
    if off in ("merged", "objection"):  # what the scenario holds of these is checked equal on all three
        assert sum(changed.values(), f.Counts()).dispatched >= sum(default.values(), f.Counts()).dispatched


def test_switching_a_rule_off_in_the_settings_changes_the_ranking(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """The admin's form turns 申诉采纳的评价不计入 off: a version with an audit row (before/after), and /kpi,
    its csv and the API compute with it and name it (口径版本 v1, the rule printed as switched off)."""
    from hotline.org.models import AuditLog

    scenario(client, as_user, db)
    today = utcnow().date()
    qs = f"kind=custom&from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=60)).isoformat()}"
    leader, admin = as_user("leader"), as_user("admin")
    before = client.get(f"/api/v1/kpi/rankings?{qs}", headers=leader).json()
    assert before["caliber_version"] == 0
    page = client.get("/admin/settings/kpi", headers=admin).text
    assert 'data-rule="appeal"' in page and "申诉采纳的评价不计入" in page
    form = {"w_response": "20", "w_on_time": "20", "w_resolution": "30", "w_satisfaction": "30",
            "min_orders_for_ranking": "20", "summon_below_satisfaction_pct": "90", "basic_counts_as_satisfied": "1",
            "rules_shown": "1", "x_designation": "1", "x_merged": "1", "x_objection": "1", "x_extension": "1"}
    assert client.post("/admin/settings/kpi", headers=admin, data=form).status_code == 422  # no reason
    r = client.post("/admin/settings/kpi", headers=admin, data={**form, "reason": "申诉评价纳入考核"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    log = db.scalar(select(AuditLog).where(AuditLog.action == "settings.kpi").order_by(AuditLog.id.desc()))
    assert log is not None and log.data["reason"] == "申诉评价纳入考核"
    assert (log.data["before"]["exclusions"]["appeal"], log.data["after"]["exclusions"]["appeal"]) == (True, False)
    assert log.data["after"]["exclusions"]["designation"] is True and log.data["after"]["exclusions"]["extension"]
    after = client.get(f"/api/v1/kpi/rankings?{qs}", headers=leader).json()
    assert after["caliber_version"] == 1 and after["exclusion_rules"]["appeal"] is False
    assert before["exclusion_rules"] == dict.fromkeys(d.RULE_KEYS, True)
    kpi = client.get(f"/kpi?{qs}", headers=leader).text
    assert "口径版本 v1" in kpi and "排除规则已关闭，计入：申诉已采纳的评价：不计入" in kpi
    assert "不计入：申诉已采纳的评价" not in kpi.replace("计入：申诉已采纳的评价：不计入", "")
    csv = client.get(f"/kpi/export.csv?{qs}", headers=leader).content.decode("utf-8-sig")
    assert "口径版本 v1" in csv and "排除规则已关闭，计入：申诉已采纳的评价：不计入" in csv
    cg = [next(x for x in doc["rows"] if x["unit_code"] == "dept-chengguan") for doc in (before, after)]
    assert cg[1]["evaluated"] == cg[0]["evaluated"] + 1  # the appealed (dissatisfied) evaluation now counts
    assert (cg[0]["satisfaction"], round(cg[1]["satisfaction"], 3)) == (1.0, 0.667)


def test_first_contact_pure_equals_sql(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    scenario(client, as_user, db)
    period = _period()
    intakes = [f.IntakeRec(o.created_at, bool(o.first_contact_resolved), o.status == "merged",
                           o.requester_type == "enterprise") for o in db.scalars(select(Order))]
    assert queries.first_contact(db, period) == f.first_contact(period, intakes)
    assert queries.first_contact(db, period)[1] >= 5
    # with 并单不计入 switched off the merged orders count too, on both sides (one order marked merged
    # by hand: the scenario merges none)
    one = db.scalar(select(Order).where(Order.status != "merged").order_by(Order.id))
    assert one is not None
    one.status = "merged"
    db.flush()
    intakes = [f.IntakeRec(o.created_at, bool(o.first_contact_resolved), o.status == "merged",
                           o.requester_type == "enterprise") for o in db.scalars(select(Order))]
    no_merge = frozenset(d.RULE_KEYS) - {"merged"}
    assert queries.first_contact(db, period, no_merge) == f.first_contact(period, intakes, no_merge)
    assert queries.centre_counts(db, period, no_merge) == f.centre_counts(period, intakes, no_merge)
    merged = sum(1 for i in intakes if i.merged and i.created_at in period)
    assert merged == 1
    assert queries.first_contact(db, period, no_merge)[1] == queries.first_contact(db, period)[1] + merged


def test_excluded_rows_are_listed_and_not_counted(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    orders = scenario(client, as_user, db)
    cg = db.scalar(select(Unit.id).where(Unit.code == "dept-chengguan"))
    period, as_of = _period(), utcnow() + timedelta(days=61)
    rows = drill.records(db, unit_ids=[cg], measure="dispatched", period=period, as_of=as_of)
    o4 = [r for r in rows if r["number"] == orders["o4"]]
    assert o4 and all(r["excluded"] == "designation" for r in o4)
    evals = drill.records(db, unit_ids=[cg], measure="evaluated", period=period, as_of=as_of)
    assert [r["excluded"] for r in evals if r["number"] == orders["o2"]] == ["appeal"]


@pytest.mark.parametrize("rate", d.RATES, ids=lambda r: r.key)
def test_every_rate_is_on_the_rankings_page_and_in_the_export(client, as_user, db: Session, rate: d.Rate) -> None:  # type: ignore[no-untyped-def]
    """A rate defined once shows on /kpi (linked to its drill-down), in the csv, and where flagged on /dashboard."""
    from tests.conftest import login

    scenario(client, as_user, db)
    today = utcnow().date()
    qs = f"kind=custom&from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=60)).isoformat()}"
    login(client, "leader", db=db)
    page = client.get(f"/kpi?{qs}").text
    assert rate.label in page and f"measure={rate.drill}" in page
    header = client.get(f"/kpi/export.csv?{qs}").content.decode("utf-8-sig").splitlines()[0].split(",")
    assert rate.label in header
    dash = client.get(f"/dashboard?{qs}").text
    assert (f'data-rate="{rate.key}"' in dash) == rate.on_dashboard


def test_an_approved_extension_is_on_time_with_the_rule_on_and_late_with_it_off(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """批准延期不计超时: on (the default), the extended order replied within its extension is on time;
    off, it is late against its first deadline — on /kpi's drill-down, the rankings API and the caliber."""
    n = extended(client, as_user, db)
    db.commit()
    period, as_of = _period(), utcnow() + timedelta(days=61)
    cg = db.scalar(select(Unit.id).where(Unit.code == "dept-chengguan"))
    on = _agree(db, period, as_of)[cg]
    off = _agree(db, period, as_of, frozenset(d.RULE_KEYS) - {"extension"})[cg]
    assert (on.due, on.on_time) == (1, 1) and (off.due, off.on_time) == (1, 0)
    assert (f.rates(on).on_time, f.rates(off).on_time) == (1.0, 0.0)
    rows = drill.records(db, unit_ids=[cg], measure="due", period=period, as_of=as_of)
    assert [(r["number"], r["ok"]) for r in rows] == [(n, True)]

    # the admin switches it off on the KPI settings screen: the ranking and its caliber follow
    today = utcnow().date()
    qs = f"kind=custom&from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=60)).isoformat()}"
    leader, admin = as_user("leader"), as_user("admin")
    page = client.get("/admin/settings/kpi", headers=admin).text
    assert 'data-rule="extension"' in page and "批准延期不计超时" in page
    kpi = client.get(f"/kpi?{qs}", headers=leader).text
    assert "按期办结以批准延期后的期限判断（批准延期不计超时）" in kpi
    form = {"w_response": "20", "w_on_time": "20", "w_resolution": "30", "w_satisfaction": "30",
            "min_orders_for_ranking": "0", "summon_below_satisfaction_pct": "90", "basic_counts_as_satisfied": "1",
            "rules_shown": "1", "x_designation": "1", "x_merged": "1", "x_appeal": "1", "x_objection": "1",
            "reason": "延期工单按首次期限考核"}
    r = client.post("/admin/settings/kpi", headers=admin, data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    doc = client.get(f"/api/v1/kpi/rankings?{qs}", headers=leader).json()
    assert doc["exclusion_rules"]["extension"] is False
    row = next(x for x in doc["rows"] if x["unit_code"] == "dept-chengguan")
    assert row["on_time"] == 0.0
    kpi = client.get(f"/kpi?{qs}", headers=leader).text
    assert "按期办结以首次办理期限判断（批准的延期仍计超时）" in kpi and "按期办结以批准延期后的期限判断" not in kpi
    csv = client.get(f"/kpi/export.csv?{qs}", headers=leader).content.decode("utf-8-sig")
    assert "口径版本 v1" in csv and "按期办结以首次办理期限判断（批准的延期仍计超时）" in csv


def test_a_suspension_moves_the_first_deadline_too(client, as_user, db: Session) -> None:  # type: ignore[no-untyped-def]
    """Suspended time is not the unit's: a resume moves the first deadline by as much as the one in force,
    so switching 批准延期不计超时 off never makes a suspension late; the extension stays the difference."""
    n = dispatched(client, as_user, "dept-chengguan")
    cg, sup = as_user("cg_handler"), as_user("supervisor")
    ok(client, cg, n, "sign")
    ok(client, cg, n, "request_extension", reason="需要协调多个部门现场会商", extra_days=3)
    ok(client, sup, n, "approve_extension", note="同意")
    ok(client, sup, n, "suspend", reason="历史遗留产权问题，待政策明确")
    order = db.scalar(select(Order).where(Order.number == n))
    assert order is not None and order.suspended_at is not None
    # suspended two weeks ago: two days ago was a weekend whenever the suite ran on a Sunday or Monday (China time),
    # and a pause of no working time moves no deadline; no holiday of China's calendar lasts two weeks
    order.suspended_at = order.suspended_at - timedelta(days=14)
    db.commit()
    a = db.scalar(select(Assignment).where(Assignment.order_id == order.id, Assignment.role == "lead"))
    assert a is not None
    lim = db.get(AssignmentLimit, a.id)
    assert lim is not None and lim.due_at is not None and lim.first_due_at is not None
    extension, due_before = lim.due_at - lim.first_due_at, lim.due_at
    assert extension > timedelta(days=1)
    ok(client, sup, n, "resume")
    db.expire_all()
    lim = db.get(AssignmentLimit, a.id)
    assert lim is not None and lim.due_at is not None and lim.first_due_at is not None
    assert lim.due_at > due_before  # the pause moved the deadline in force
    assert lim.due_at - lim.first_due_at == extension  # and the first one by as much
