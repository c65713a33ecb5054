"""Live settings versions (issue #18, items 4 and 5): time limits, the holiday calendar and the KPI
settings edited in the console, versioned, and used at once by deadlines and rankings.

Each request gets its own session on the test's connection (``test_cities._client``), as in
production, so "at once" means the next request's transaction (``hotline.city.live``).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.models import Order, OrderEvent
from hotline.org.models import AuditLog
from tests.integration.helpers import dispatched
from tests.integration.test_cities import _client, _token

SH = ZoneInfo("Asia/Shanghai")
API = "/api/v1/admin/settings"
ROOT = Path(__file__).resolve().parents[2]


def _sla(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"{API}/sla", headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


def _with_ordinary_days(body: dict[str, Any], days: int) -> dict[str, Any]:
    new = copy.deepcopy(body)
    ordinary = next(p for p in new["policies"] if p["name"] == "ordinary")
    ordinary["complete_within"] = {"amount": days, "unit": "working_days"}
    return new


def _as(db: Session):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = _token(db, username)
        return cache[username]

    return get


def _order(db: Session, number: str) -> Order:
    db.expire_all()
    o = db.scalar(select(Order).where(Order.number == number))
    assert o is not None
    return o


def test_a_saved_version_sets_the_deadlines_of_new_orders_and_is_audited(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        now = _sla(client, admin)
        assert now["version"] == 0  # the city file's block
        before = dispatched(client, _as(db), "dept-chengguan")
        r = client.put(f"{API}/sla", headers=admin, json={"body": _with_ordinary_days(now["body"], 10),
                                                           "reason": "市政府办公厅通知：一般诉求办结时限调整为10个工作日"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1
        after = dispatched(client, _as(db), "dept-chengguan")
        o1, o2 = _order(db, before), _order(db, after)
        assert o1.sla_policy == o2.sla_policy == "ordinary"
        # the new order counts 10 working days, the one dispatched before keeps its 3
        assert o2.due_at is not None and o1.due_at is not None and o2.due_at > o1.due_at
        from hotline.sla.calendar import WorkCalendar

        cal = WorkCalendar(timezone="Asia/Shanghai", unknown_year="weekends")
        assert o2.clock_started_at is not None
        assert o2.due_at == cal.add_working_days(o2.clock_started_at, 10).at
        assert _sla(client, admin)["version"] == 1
        log = db.scalar(select(AuditLog).where(AuditLog.action == "settings.sla"))
        assert log is not None and log.actor_label == "admin" and log.entity_id == "sla v1"
        ordinary_after = next(p for p in log.data["after"]["policies"] if p["name"] == "ordinary")
        ordinary_before = next(p for p in log.data["before"]["policies"] if p["name"] == "ordinary")
        assert ordinary_before["complete_within"]["amount"] == 3 and ordinary_after["complete_within"]["amount"] == 10
        assert log.data["reason"].startswith("市政府办公厅通知")


def test_invalid_settings_and_a_missing_reason_are_422_in_both_languages(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        body = _sla(client, admin)["body"]
        bad = copy.deepcopy(body)
        bad["policies"][-1]["match"] = {"kinds": ["complaint"]}  # the last must match every order
        r = client.put(f"{API}/sla", headers=admin, json={"body": bad, "reason": "试一下"})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == "invalid_settings"
        assert "设置不符合要求" in err["message"] and "must match every order" in err["message_en"]
        typo = {**body, "polices": []}
        r = client.put(f"{API}/sla", headers=admin, json={"body": typo, "reason": "试一下"})
        assert r.status_code == 422 and "polices" in r.json()["error"]["message_en"]
        huge = _with_ordinary_days(body, 10**9)
        r = client.put(f"{API}/sla", headers=admin, json={"body": huge, "reason": "试一下"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "limit_too_long"
        r = client.put(f"{API}/kpi", headers=admin, json={"body": {"weights": {"response": -1}}, "reason": "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_settings"
        r = client.put(f"{API}/sla", headers=admin, json={"body": _with_ordinary_days(body, 4), "reason": "  "})
        assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
        assert r.json()["error"]["message"] and r.json()["error"]["message_en"]
        r = client.put(f"{API}/sla", headers=admin, json={"body": body, "reason": "没有变化"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "settings_unchanged"
        r = client.put(f"{API}/holidays", headers=admin, json={"body": {}, "reason": "x"})
        assert r.status_code == 404
        r = client.put(f"{API}/sla/calendar", headers=admin, json={"year": 2027, "holidays": ["2028-01-01"],
                                                                   "reason": "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "date_outside_year"
        assert db.scalar(select(AuditLog).where(AuditLog.action == "settings.sla")) is None  # nothing saved


def test_only_the_city_administrator_reads_or_changes_settings(db: Session) -> None:
    from hotline.demo.seed import PROVINCE_USERS
    from hotline.org.cities import ensure_province

    ensure_province(db, users=PROVINCE_USERS)
    db.flush()
    with _client(db) as client:
        body = _sla(client, _token(db, "admin"))["body"]
        for username in ("province_admin", "operator1", "dispatcher", "supervisor", "leader"):
            h = _token(db, username)
            for method, path, payload in (("get", f"{API}/sla", None), ("get", f"{API}/kpi/versions", None),
                                          ("put", f"{API}/sla", {"body": _with_ordinary_days(body, 4), "reason": "x"}),
                                          ("post", f"{API}/sla/recompute", None)):
                r = client.request(method.upper(), path, headers=h, json=payload)
                assert r.status_code == 403, (username, path, r.text)
        page_admin = client.get("/admin/settings/sla", headers=_token(db, "operator1"))
        assert page_admin.status_code == 403


def test_the_preview_of_open_orders_is_what_recompute_changes(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        numbers = [dispatched(client, _as(db), "dept-chengguan") for _ in range(2)]
        consult = dispatched(client, _as(db), "dept-chengguan", kind="consultation")  # another policy: not moved
        body = _sla(client, admin)["body"]
        r = client.put(f"{API}/sla", headers=admin, json={"body": _with_ordinary_days(body, 6), "reason": "调整"})
        assert r.status_code == 200, r.text
        preview = r.json()["open_orders"]
        moved = {o["number"] for o in preview["orders"]}
        assert set(numbers) <= moved and consult not in moved
        assert client.get(f"{API}/sla/open-orders", headers=admin).json()["would_change"] == preview["would_change"]
        old = {n: _order(db, n).due_at for n in numbers}
        r = client.post(f"{API}/sla/recompute", headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["recomputed"] == preview["would_change"]
        for n in numbers:
            o = _order(db, n)
            assert o.due_at is not None and o.due_at > old[n]
            expected = next(x for x in preview["orders"] if x["number"] == n)["after"][2]
            assert o.due_at == datetime.fromisoformat(expected)
            ev = db.scalar(select(OrderEvent).where(OrderEvent.order_id == o.id, OrderEvent.note.like("时限设置第%")))
            assert ev is not None and ev.data["kind"] == "deadline_recompute" and ev.data["settings_version"] == 1
        assert client.get(f"{API}/sla/open-orders", headers=admin).json()["would_change"] == 0
        assert _order(db, consult).sla_policy == "consultation"
        # the page says the same
        page = client.get("/admin/settings/sla", headers=admin)
        assert page.status_code == 200 and 'data-testid="would-change">0<' in page.text


def test_history_compare_and_rollback(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        body = _sla(client, admin)["body"]
        v1 = _with_ordinary_days(body, 4)
        assert client.put(f"{API}/sla", headers=admin, json={"body": v1, "reason": "第一次"}).status_code == 200
        assert client.put(f"{API}/sla", headers=admin,
                          json={"body": _with_ordinary_days(body, 8), "reason": "第二次"}).status_code == 200
        hist = client.get(f"{API}/sla/versions", headers=admin).json()["versions"]
        assert [v["version"] for v in hist] == [2, 1] and hist[0]["reason"] == "第二次"
        d = client.get(f"{API}/sla/diff?a=1&b=2", headers=admin).json()["changes"]
        assert {"path": "policies[ordinary].complete_within.amount", "a": "4", "b": "8"} in d
        assert len(d) == 1
        r = client.post(f"{API}/sla/rollback", headers=admin, json={"to_version": 1, "reason": "第二次有误"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 3 and r.json()["rolled_back_from"] == 1 and r.json()["body"] == v1
        assert _sla(client, admin)["body"] == v1
        r = client.post(f"{API}/sla/rollback", headers=admin, json={"to_version": 0, "reason": "恢复城市文件"})
        assert r.status_code == 200 and r.json()["body"] == body
        assert client.post(f"{API}/sla/rollback", headers=admin,
                           json={"to_version": 99, "reason": "x"}).status_code == 404
        page = client.get("/admin/settings/sla/versions?a=1&b=2", headers=admin)
        assert page.status_code == 200
        assert "policies[ordinary].complete_within.amount" in page.text and "第二次有误" in page.text


def test_next_years_holidays_move_an_open_orders_deadline(db: Session) -> None:
    from hotline.sla import service as sla

    with _client(db) as client:
        admin = _token(db, "admin")
        number = dispatched(client, _as(db), "dept-chengguan")
        o = _order(db, number)
        start = datetime(2026, 12, 30, 10, 0, tzinfo=SH)  # Wednesday; 3 working days run into 2027
        d = sla.deadlines_for(o, start=start)
        o.clock_started_at, o.sign_due_at, o.reply_due_at, o.due_at = start, d.sign_due_at, d.reply_due_at, d.complete_due_at
        db.flush()
        assert d.uncertain and d.complete_due_at.astimezone(SH).date() == date(2027, 1, 4)  # Jan 1 guessed a workday
        assert sla.unknown_next_year(datetime(2026, 12, 1, 9, tzinfo=SH)) == 2027
        assert sla.unknown_next_year(datetime(2026, 11, 30, 9, tzinfo=SH)) is None  # warned from 1 December
        r = client.put(f"{API}/sla/calendar", headers=admin, json={
            "year": 2027, "holidays": ["2027-01-01", "2027-02-10~2027-02-16"], "workdays": ["2027-02-20"],
            "reason": "国务院办公厅关于2027年部分节假日安排的通知"})
        assert r.status_code == 200, r.text
        cal = r.json()["body"]["calendar"]
        assert "2027-01-01" in cal["extra_holidays"] and "2027-02-13" in cal["extra_holidays"]
        assert cal["extra_workdays"] == ["2027-02-20"]
        moved = {x["number"]: x for x in r.json()["open_orders"]["orders"]}
        assert datetime.fromisoformat(moved[number]["after"][2]) == datetime(2027, 1, 5, 23, 59, 59, tzinfo=SH)
        assert client.post(f"{API}/sla/recompute", headers=admin).status_code == 200
        o = _order(db, number)
        assert o.due_at is not None and o.due_at.astimezone(SH).date() == date(2027, 1, 5)
        assert not o.deadline_uncertain
        # a new deadline uses the overrides at once, in this process's next transaction
        with db.begin_nested():
            assert sla.year_known(2027) and sla.unknown_next_year(datetime(2026, 12, 1, 9, tzinfo=SH)) is None
        page = client.get("/admin/settings/calendar?year=2027", headers=admin)
        assert "2027-02-16" in page.text and 'data-testid="calendar-warning"' not in page.text


def test_the_admin_home_warns_in_december_when_next_year_is_unknown(db: Session) -> None:
    from hotline.db import utcnow
    from hotline.sla import service as sla

    with _client(db) as client:
        admin = _token(db, "admin")
        expected = sla.unknown_next_year(utcnow())
        page = client.get("/admin", headers=admin).text
        assert ('data-testid="calendar-warning"' in page) == (expected is not None)
        assert "/admin/settings/calendar" in page and "/admin/settings/kpi" in page
        cal = client.get("/admin/settings/calendar", headers=admin).text
        assert ('data-testid="calendar-warning"' in cal) == (expected is not None)


def test_every_ranking_names_the_kpi_version_it_was_computed_with(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        leader = _token(db, "leader")
        assert "口径版本 v0" in client.get("/kpi", headers=leader).text
        assert client.get("/api/v1/kpi/rankings", headers=leader).json()["caliber_version"] == 0
        kpi = client.get(f"{API}/kpi", headers=admin).json()["body"]
        kpi["weights"]["satisfaction"] = 50
        r = client.put(f"{API}/kpi", headers=admin, json={"body": kpi, "reason": "提高满意率权重"})
        assert r.status_code == 200 and r.json()["version"] == 1
        page = client.get("/kpi", headers=leader).text
        assert "口径版本 v1" in page
        csv = client.get("/kpi/export.csv", headers=leader).content.decode("utf-8-sig")
        assert "口径版本 v1" in csv
        from io import BytesIO

        from openpyxl import load_workbook

        ws = load_workbook(BytesIO(client.get("/kpi/export.xlsx", headers=leader).content)).active
        assert any(row[0] == "口径版本 v1" for row in ws.iter_rows(values_only=True))
        assert client.get("/api/v1/kpi/rankings", headers=leader).json()["caliber_version"] == 1
        from hotline.city.kpi_settings import kpi_settings

        with db.begin_nested():
            assert kpi_settings().weights.satisfaction == 50


def test_the_kpi_form_saves_a_version(db: Session) -> None:
    with _client(db) as client:
        admin = _token(db, "admin")
        page = client.get("/admin/settings/kpi", headers=admin)
        assert page.status_code == 200 and "v0" in page.text
        form = {"w_response": "10", "w_on_time": "20", "w_resolution": "30", "w_satisfaction": "40",
                "min_orders_for_ranking": "5", "summon_below_satisfaction_pct": "85", "reason": "年度考核方案"}
        r = client.post("/admin/settings/kpi", headers=admin, data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        body = client.get(f"{API}/kpi", headers=admin).json()
        assert body["version"] == 1 and body["body"]["weights"]["response"] == 10
        assert body["body"]["basic_counts_as_satisfied"] is False and body["body"]["summon_below_satisfaction"] == 0.85
        bad = client.post("/admin/settings/kpi", headers=admin, data={**form, "w_response": "abc"})
        assert bad.status_code == 422 and "请填写数字" in bad.text


SECOND_PROCESS = """
import sys
from hotline import registry
registry.install()
from hotline import db as dbmod
from hotline.sla.service import bound
engine = dbmod.configure(sys.argv[1])

def ordinary_days():
    with dbmod.session_scope() as s:
        s.connection()  # the transaction begins: the live settings' freshness check
        return bound()[0].policy_named("ordinary").complete_within.amount

print(ordinary_days(), flush=True)
sys.stdin.readline()
print(ordinary_days(), flush=True)
"""


def test_another_process_sees_a_saved_version_at_its_next_transaction(committed: None) -> None:
    """The worker and the web server are separate processes: a version committed by one is used by
    the other at its next transaction, without a restart."""
    from tests.conftest import DB_URL

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SECOND_PROCESS, DB_URL], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "3"
        from hotline import db as dbmod
        from hotline.org.models import User
        from hotline.settings import flows

        with dbmod.session_scope() as s:
            admin = s.scalar(select(User).where(User.username == "admin"))
            assert admin is not None
            _, body = flows.current(s, "sla")
            flows.do_save(s, actor=admin, block="sla", body=_with_ordinary_days(body, 9), reason="跨进程")
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "9"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    with dbmod.session_scope() as s:
        s.execute(AuditLog.__table__.delete().where(AuditLog.action == "settings.sla"))


def test_the_time_limits_form_edits_adds_and_removes_policies(db: Session) -> None:
    import re

    with _client(db) as client:
        admin = _token(db, "admin")
        page = client.get("/admin/settings/sla", headers=admin)
        assert page.status_code == 200
        policies = _sla(client, admin)["body"]["policies"]
        form: dict[str, str] = {}
        for i, p in enumerate(policies):  # what the page's inputs hold (their names from the page itself)
            assert f'name="p{i}_complete_within_amount"' in page.text
            form[f"p{i}_label"] = p["label"]
            for key in ("sign_within", "reply_within", "complete_within"):
                form[f"p{i}_{key}_amount"] = str(p[key]["amount"])
                form[f"p{i}_{key}_unit"] = p[key]["unit"]
            for key in ("kinds", "category_prefixes", "urgency", "requesters"):
                form[f"p{i}_{key}"] = ",".join(p["match"].get(key, []))
        hist = next(i for i, p in enumerate(policies) if p["name"] == "historical")
        form[f"p{hist}_remove"] = "1"
        last = len(policies) - 1
        form[f"p{last}_complete_within_amount"] = "4"  # ordinary: 3 → 4 working days
        form.update({"new_name": "env_noise", "new_label": "噪声扰民", "new_kinds": "complaint",
                     "new_category_prefixes": "0201", "new_sign_within_amount": "1", "new_sign_within_unit": "working_hours",
                     "new_reply_within_amount": "24", "new_reply_within_unit": "natural_hours",
                     "new_complete_within_amount": "2", "new_complete_within_unit": "working_days",
                     "reason": "噪声投诉单列"})
        r = client.post("/admin/settings/sla", headers=admin, data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        now = _sla(client, admin)
        names = [p["name"] for p in now["body"]["policies"]]
        assert now["version"] == 1 and "historical" not in names and names[-2:] == ["env_noise", "ordinary"]
        assert now["body"]["policies"][-1]["complete_within"]["amount"] == 4
        assert now["body"]["policies"][-2]["match"] == {"kinds": ["complaint"], "category_prefixes": ["0201"],
                                                        "urgency": [], "requesters": []}
        # a refused form comes back with the reason, and saves nothing
        bad = client.post("/admin/settings/sla", headers=admin, data={**form, "p0_sign_within_unit": "fortnights",
                                                                      "reason": "错的"})
        assert bad.status_code == 422 and "设置不符合要求" in bad.text and re.search(r"policies\.0\.sign_within\.unit", bad.text)
        assert _sla(client, admin)["version"] == 1
