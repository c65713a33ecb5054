"""The queue's and the inbox's filters, saved views of those lists (with counts) and bulk work from them
(issue #20 item 3)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.orders.models import Order
from tests.conftest import login
from tests.integration.helpers import create, leaf_category, ok

REPLY = "经现场核查，摊贩已于当日清理完毕，城管中队已安排每晚巡查，防止反弹。"


def _section(html: str, sid: str) -> str:
    """The HTML of one section of the queue (q-…) or the inbox (i-…)."""
    start = html.index(f'<section class="card queue-section" id="{sid}"')
    end = html.find("</section>", start)
    return html[start:end]


def _total(html: str) -> int:
    m = re.search(r"(?:符合筛选的工单|全部工单)：(\d+)", html)
    assert m, "the list's total is shown"
    return int(m.group(1))


def _op(as_user: Any) -> Any:
    return as_user("operator1")


def test_queue_filters_its_sections(client: TestClient, as_user: Any, db: Session) -> None:
    op = _op(as_user)
    urgent = [create(client, op, title=f"队列筛选路灯{i}", urgency="urgent")["number"] for i in range(2)]
    normal = create(client, op, title="队列筛选路灯2", kind="consultation")["number"]
    there = create(client, op, title="队列筛选属地", territory_code="c-xinhua-taoyuan")["number"]
    login(client, "dispatcher", db=db)
    page = client.get("/queue", params={"q": "队列筛选", "urgency": "urgent"}).text
    new = _section(page, "q-new")
    assert all(n in new for n in urgent) and normal not in new and there not in new
    assert _total(page) == 2 and 'id="f-urgency"' in page and "符合筛选的工单" in page
    kinds = _section(client.get("/queue", params={"q": "队列筛选路灯", "kind": "consultation"}).text, "q-new")
    assert normal in kinds and not any(n in kinds for n in urgent)
    area = _section(client.get("/queue", params={"territory": "c-xinhua-taoyuan", "q": "队列筛选"}).text, "q-new")
    assert there in area and normal not in area
    # a bad value is ignored, never a 500; a status filter is not the queue's (its sections are the statuses)
    odd = client.get("/queue", params={"q": "队列筛选", "territory": "nowhere", "status": "closed", "sort": "x" * 40})
    assert odd.status_code == 200 and not any(n in _section(odd.text, "q-new") for n in [*urgent, normal, there])
    assert _total(client.get("/queue", params={"q": "队列筛选", "status": "closed"}).text) == 4


def test_views_of_the_queue_and_the_inbox_open_there_with_counts(client: TestClient, as_user: Any,
                                                                 db: Session) -> None:
    op, h = _op(as_user), as_user("dispatcher")
    urgent = [create(client, op, title=f"视图计数井盖{i}", urgency="urgent")["number"] for i in range(3)]
    create(client, op, title="视图计数井盖9")
    r = client.post("/api/v1/saved-views", headers=h, json={
        "name": "紧急井盖", "list": "queue", "query": {"q": "视图计数井盖", "urgency": "urgent", "status": "closed"}})
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["query"] == {"q": "视图计数井盖", "urgency": "urgent"}  # the queue keeps no status filter
    assert view["href"].startswith("/queue?") and view["count"] == 3
    # the page the view opens lists the same orders the bar counts: one definition
    login(client, "dispatcher", db=db)
    page = client.get(view["href"]).text
    assert _total(page) == 3 and all(n in _section(page, "q-new") for n in urgent)
    bar = client.get("/views/bar", params={"list": "queue", "view": view["id"]}).text
    chip = re.search(r'<a href="(/queue\?[^"]+)"[^>]*aria-current="page"[^>]*>紧急井盖<span class="n ">(\d+)</span>',
                     bar.replace("&amp;", "&"))
    assert chip and chip.group(2) == "3"
    # saving from the queue page keeps the queue's filter, and opens the queue
    csrf = login(client, "dispatcher", db=db)
    saved = client.post("/views", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf, "name": "全部井盖", "list": "queue", "q": "视图计数井盖", "sort": "light"})
    assert saved.status_code == 204 and saved.headers["HX-Redirect"].startswith("/queue?")
    counts = {v["name"]: v["count"] for v in client.get("/api/v1/saved-views?list=queue", headers=h).json()}
    assert counts == {"紧急井盖": 3, "全部井盖": 4}
    # an inbox view: the unit's own orders only, counted as its inbox lists them
    cat = leaf_category(client, h)
    ok(client, h, urgent[0], "dispatch", lead_unit="dept-chengguan", category_code=cat)
    ok(client, h, urgent[1], "dispatch", lead_unit="dept-zhujian", category_code=cat)
    cg = as_user("cg_handler")
    mine = client.post("/api/v1/saved-views", headers=cg, json={"name": "井盖待办", "list": "inbox",
                                                                 "query": {"q": "视图计数井盖", "unit": "dept-zhujian"}})
    assert mine.status_code == 201 and mine.json()["query"] == {"q": "视图计数井盖"}  # the inbox has no unit filter
    assert mine.json()["count"] == 1 and mine.json()["href"].startswith("/inbox?")
    login(client, "cg_handler", db=db)
    inbox = client.get(mine.json()["href"]).text
    assert _total(inbox) == 1 and urgent[0] in _section(inbox, "i-to_sign") and urgent[1] not in inbox
    assert "井盖待办" in client.get("/views/bar?list=inbox").text


def test_bulk_dispatch_from_the_queue_reports_the_one_that_fails(client: TestClient, as_user: Any,
                                                                db: Session) -> None:
    op, h = _op(as_user), as_user("dispatcher")
    numbers = [create(client, op, title=f"队列批量{i}")["number"] for i in range(3)]
    cat = leaf_category(client, h)
    ok(client, h, numbers[1], "dispatch", lead_unit="dept-zhujian", category_code=cat)  # no longer to dispatch
    csrf = login(client, "dispatcher", db=db)
    page = client.get("/queue", params={"q": "队列批量"}).text
    for n in (numbers[0], numbers[2]):
        assert f'<input type="checkbox" name="number" value="{n}" form="bulk-form" aria-label="选择 {n}">' in page
    here = "/queue?" + urlencode({"q": "队列批量"})  # as the browser names the page it is on
    form = client.get("/worklists/bulk-form?list=queue", headers={"HX-Current-URL": f"http://x{here}"}).text
    assert "批量派单" in form and "批量催办" in form and "批量签收" not in form and "批量指派回访员" not in form
    assert f'name="back" value="{here}"' in form
    done = client.post("/worklists/bulk", data={"csrf_token": csrf, "number": numbers, "bulk_action": "dispatch",
                                                "lead_unit": "dept-chengguan", "category_code": cat,
                                                "back": here})
    assert done.status_code == 200
    text = done.text.replace("</span>", "")
    assert "成功 2" in text and "失败 1" in text
    assert f'href="{here}"' in done.text  # back to the queue, with its filter
    failed = re.search(rf'<tr class="failed" data-number="{numbers[1]}">', done.text)
    assert failed, "the refused order is reported"
    by_number = {o.number: o for o in db.scalars(select(Order).where(Order.number.in_(numbers)))}
    assert {by_number[n].lead_unit.code for n in (numbers[0], numbers[2])} == {"dept-chengguan"}  # type: ignore[union-attr]
    assert by_number[numbers[1]].lead_unit.code == "dept-zhujian"  # type: ignore[union-attr]
    # an operator sees the queue but works no bulk there
    login(client, "operator1", db=db)
    assert 'form="bulk-form"' not in client.get("/queue").text
    assert client.get("/worklists/bulk-form?list=queue").status_code == 403


def test_bulk_sign_from_the_inbox_cannot_touch_another_units_order(client: TestClient, as_user: Any,
                                                                    db: Session) -> None:
    op, h = _op(as_user), as_user("dispatcher")
    numbers = [create(client, op, title=f"待办批量{i}")["number"] for i in range(3)]
    cat = leaf_category(client, h)
    ok(client, h, numbers[0], "dispatch", lead_unit="dept-chengguan", category_code=cat)
    ok(client, h, numbers[1], "dispatch", lead_unit="dept-chengguan", category_code=cat)
    ok(client, h, numbers[2], "dispatch", lead_unit="dept-zhujian", category_code=cat)  # another unit's
    csrf = login(client, "cg_handler", db=db)
    page = client.get("/inbox").text
    assert f'aria-label="选择 {numbers[0]}"' in page and numbers[2] not in page
    form = client.get("/worklists/bulk-form?list=inbox", headers={"HX-Current-URL": "http://x/inbox"}).text
    assert "批量签收" in form and "批量派单" not in form and "导出所选" in form
    assert client.get("/worklists/bulk-form?list=queue").status_code == 403
    done = client.post("/worklists/bulk", data={"csrf_token": csrf, "number": numbers, "bulk_action": "sign",
                                                "back": "/inbox"})
    assert done.status_code == 200
    assert "成功 2" in done.text.replace("</span>", "") and "批量签收" in done.text
    assert re.search(rf'<tr class="failed" data-number="{numbers[2]}">', done.text)
    status = {n: st for n, st in db.execute(select(Order.number, Order.status).where(Order.number.in_(numbers)))}
    assert status[numbers[0]] == status[numbers[1]] == "in_progress"
    assert status[numbers[2]] == "dispatched"  # the other unit's order untouched
    # the API says the same: a unit may sign in bulk, not dispatch; a dispatcher may not sign for a unit
    cg = as_user("cg_handler")
    assert client.post("/api/v1/orders/bulk", headers=cg, json={
        "numbers": [numbers[2]], "action": "dispatch", "payload": {"lead_unit": "dept-chengguan"}}).status_code == 403
    api = client.post("/api/v1/orders/bulk", headers=cg, json={"numbers": [numbers[2]], "action": "sign"}).json()
    assert api["failed"] == 1 and api["results"][0]["status_code"] in (403, 404)
    assert client.post("/api/v1/orders/bulk", headers=h, json={"numbers": [numbers[2]], "action": "sign"}
                       ).status_code == 403


def test_sort_by_light_in_the_queue_and_the_inbox_sections(client: TestClient, as_user: Any, db: Session) -> None:
    op, h = _op(as_user), as_user("dispatcher")
    cat = leaf_category(client, h)
    soon, late = (create(client, op, title=f"时限灯排序{i}")["number"] for i in range(2))
    for n in (soon, late):
        ok(client, h, n, "dispatch", lead_unit="dept-chengguan", category_code=cat)
    # `soon` is due first but its clock has barely run (green); `late` is due later, nearly spent (yellow)
    now = utcnow()
    rows = {o.number: o for o in db.scalars(select(Order).where(Order.number.in_([soon, late])))}
    rows[soon].clock_started_at, rows[soon].due_at = now - timedelta(minutes=1), now + timedelta(days=1)
    rows[late].clock_started_at, rows[late].due_at = now - timedelta(days=20), now + timedelta(days=2)
    db.flush()
    login(client, "cg_handler", db=db)
    usual = _section(client.get("/inbox", params={"q": "时限灯排序"}).text, "i-to_sign")
    assert usual.index(soon) < usual.index(late)  # by deadline
    lit = client.get("/inbox", params={"q": "时限灯排序", "sort": "light"}).text
    assert _section(lit, "i-to_sign").index(late) < _section(lit, "i-to_sign").index(soon)  # yellow before green
    assert 'value="light" selected' in lit
    cg = as_user("cg_handler")
    for n in (soon, late):
        ok(client, cg, n, "sign")
        ok(client, cg, n, "reply", content=REPLY)
    rows = {o.number: o for o in db.scalars(select(Order).where(Order.number.in_([soon, late])))}
    rows[soon].clock_started_at, rows[soon].due_at = now - timedelta(minutes=1), now + timedelta(days=1)
    rows[late].clock_started_at, rows[late].due_at = now - timedelta(days=20), now + timedelta(days=2)
    db.flush()
    login(client, "dispatcher", db=db)
    usual_q = _section(client.get("/queue", params={"q": "时限灯排序"}).text, "q-replies")
    assert usual_q.index(soon) < usual_q.index(late)  # by intake
    lit_q = _section(client.get("/queue", params={"q": "时限灯排序", "sort": "light"}).text, "q-replies")
    assert lit_q.index(late) < lit_q.index(soon)


def test_light_filter_and_a_sign_in_a_filtered_inbox(client: TestClient, as_user: Any, db: Session) -> None:
    op, h = _op(as_user), as_user("dispatcher")
    cat = leaf_category(client, h)
    green, yellow, other = (create(client, op, title=f"时限灯筛选{i}")["number"] for i in range(3))
    for n in (green, yellow, other):
        ok(client, h, n, "dispatch", lead_unit="dept-chengguan", category_code=cat)
    now = utcnow()
    rows = {o.number: o for o in db.scalars(select(Order).where(Order.number.in_([green, yellow])))}
    rows[yellow].clock_started_at, rows[yellow].due_at = now - timedelta(days=20), now + timedelta(days=1)
    db.flush()
    r = client.post("/api/v1/saved-views", headers=as_user("cg_handler"), json={
        "name": "临期", "list": "inbox", "query": {"q": "时限灯筛选", "light": "yellow"}})
    assert r.status_code == 201 and r.json()["query"] == {"q": "时限灯筛选", "light": "yellow"}
    assert r.json()["count"] == 1
    csrf = login(client, "cg_handler", db=db)
    page = client.get("/inbox", params={"q": "时限灯筛选", "light": "yellow"}).text
    assert yellow in page and green not in page and _total(page) == 1
    assert 'value="yellow" selected' in page
    assert client.get("/inbox", params={"light": "purple"}).status_code == 200  # ignored, not a 500
    # signing from a filtered inbox (HTMX) shows the same filter again, not the whole inbox
    here = "/inbox?" + urlencode({"q": "时限灯筛选", "light": "green"})
    version = db.scalar(select(Order.version).where(Order.number == green))
    swapped = client.post(f"/orders/{green}/act", headers={"HX-Request": "true", "HX-Current-URL": f"http://x{here}"},
                          data={"csrf_token": csrf, "action": "sign", "expected_version": version, "return_to": "inbox"})
    assert swapped.status_code == 200, swapped.text
    assert green in _section(swapped.text, "i-in_progress")
    assert other in swapped.text and yellow not in swapped.text  # still the green ones only
    login(client, "dispatcher", db=db)
    queue = client.get("/queue", params={"q": "时限灯筛选", "light": "yellow"}).text
    assert _total(queue) == 0  # none of them waits on the dispatcher


def test_order_list_and_its_export_filter_by_territory(client: TestClient, as_user: Any, db: Session) -> None:
    op = _op(as_user)
    there = create(client, op, title="属地筛选甲", territory_code="c-xinhua-taoyuan")["number"]
    elsewhere = create(client, op, title="属地筛选乙")["number"]
    login(client, "dispatcher", db=db)
    page = client.get("/orders", params={"q": "属地筛选", "territory": "c-xinhua-taoyuan"}).text
    assert there in page and elsewhere not in page and 'id="f-territory"' in page
    csv = client.get("/api/v1/exports/orders.csv", params={"q": "属地筛选", "territory": "c-xinhua-taoyuan"},
                     headers=as_user("dispatcher")).text
    assert there in csv and elsewhere not in csv
