"""Issue #12 — the console as people meet it: error pages (1), confirmations (2), long demands (8),
the dispatcher's suggestion and pickers (9).  Error-page tests use the real app with its own
sessions (``live_client``): the detached-user failure only shows when the request session closes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import db as dbmod
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.models import Category, User
from tests.conftest import login

CONTENT = "人民路与解放路交叉口的路灯已经连续一周不亮，晚上很不安全。"


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def _make_order(db: Session, *, dispatch_to: str | None = None, content: str = CONTENT) -> str:
    cat = db.scalar(select(Category).where(Category.level == 3, Category.name == "路灯"))
    assert cat is not None
    order = do_create_order(db, actor=Actor.of(_user(db, "operator1")), data={
        "kind": "complaint", "title": "人民路路灯不亮", "content": content, "citizen_name": "张伟",
        "citizen_phone": "13812345678", "address": "青阳市东城区人民路88号", "channel": "phone",
        "urgency": "normal", "category_code": cat.code})
    db.flush()
    if dispatch_to:
        do_action(db, order=order, actor=Actor.of(_user(db, "dispatcher")), action=Action.dispatch,
                  payload={"lead_unit": _user(db, dispatch_to).unit.code})
        db.flush()
    db.commit()
    return order.number


@pytest.fixture
def committed_order() -> Iterator[str]:
    with dbmod.session_scope() as s:
        number = _make_order(s, dispatch_to="cg_handler")
    yield number


# ---------------------------------------------------------------- 1. error pages


def test_missing_order_is_an_html_page_for_the_dispatcher(live_client: TestClient) -> None:
    login(live_client, "dispatcher")
    r = live_client.get("/orders/QY2026999999999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text and "找不到工单：QY2026999999999" in r.text
    assert 'href="/"' in r.text and "返回上一页" in r.text
    assert "派单员" in r.text  # the page frame still knows who is logged in


def test_another_units_order_is_a_404_page_for_a_handler(live_client: TestClient, committed_order: str) -> None:
    login(live_client, "zj_handler")  # not the unit the order went to
    r = live_client.get(f"/orders/{committed_order}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text and "internal" not in r.text


def test_handler_following_a_notice_after_a_redispatch_gets_a_page(live_client: TestClient) -> None:
    """The issue's case: the order went to another unit; the old unit's notice link still points at it."""
    with dbmod.session_scope() as s:
        number = _make_order(s, dispatch_to="cg_handler")
        order = s.scalar(select(Order).where(Order.number == number))
        do_action(s, order=order, actor=Actor.of(_user(s, "dispatcher")), action=Action.redispatch,
                  payload={"lead_unit": _user(s, "zj_handler").unit.code, "note": "职责属住建部门"})
        s.commit()
    csrf = login(live_client, "cg_handler")
    page = live_client.get(f"/orders/{number}")  # the old unit still sees its past order
    assert page.status_code == 200 and "青阳市住房和城乡建设局" in page.text
    live_client.cookies.set("lang", "en")
    r = live_client.post(f"/orders/{number}/act", data={"csrf_token": csrf, "action": "sign"})
    assert r.status_code in (403, 409) and r.headers["content-type"].startswith("text/html")
    assert "internal error" not in r.text and "Go back" in r.text and 'lang="en"' in r.text
    assert 'role="alert"' in r.text


def test_unknown_url_is_an_html_page_in_the_users_language(live_client: TestClient) -> None:
    login(live_client, "dispatcher")
    r = live_client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "页面不存在，请检查网址或从首页进入" in r.text and "派单队列" in r.text
    live_client.cookies.set("lang", "en")
    r = live_client.get("/no/such/page")
    assert r.status_code == 404 and "This page does not exist" in r.text and "Go back" in r.text


def test_unknown_url_without_login_is_a_page_too(live_client: TestClient) -> None:
    r = live_client.get("/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text and "/logout" not in r.text


def test_api_keeps_json_errors(live_client: TestClient) -> None:
    for path in ("/api/v1/no-such-thing", "/open311/no-such-thing"):
        r = live_client.get(path)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_page(live_client: TestClient) -> None:
    login(live_client, "dispatcher")
    r = live_client.get("/logout")
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    assert "不支持的请求方法" in r.text


# ---------------------------------------------------------------- 2. confirmations after an action


def _completed(client: TestClient, as_user) -> str:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import dispatched, ok

    n = dispatched(client, as_user, "dept-chengguan")
    h = as_user("cg_handler")
    ok(client, h, n, "sign")
    ok(client, h, n, "reply", content="已到现场处理完毕，占道摊贩已清理。")
    ok(client, as_user("dispatcher"), n, "complete")
    return n


def _task_id(db: Session, number: str) -> int:
    from hotline.callbacks.models import CallbackTask

    order = db.scalar(select(Order).where(Order.number == number))
    assert order is not None
    task = db.scalars(select(CallbackTask).where(CallbackTask.order_id == order.id)
                      .order_by(CallbackTask.id.desc())).first()
    assert task is not None
    return task.id


def _flash(html: str) -> str:
    import re

    m = re.search(r'<div id="flash"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else ""


def test_recorded_callback_is_confirmed_on_the_next_page(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = _completed(client, as_user)
    csrf = login(client, "callback1", db=db)
    r = client.post(f"/callbacks/{_task_id(db, n)}/call", data={
        "csrf_token": csrf, "reached": "true", "solved": "false", "satisfaction": "dissatisfied", "comment": "没人来"})
    assert r.status_code == 200 and str(r.url).endswith("/callbacks")
    assert _flash(r.text) == f"已登记回访：{n} 未解决或不满意，已转中心审核"
    assert _flash(client.get("/callbacks").text) == ""  # shown once


def test_unreached_callback_says_so(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = _completed(client, as_user)
    csrf = login(client, "callback1", db=db)
    client.cookies.set("lang", "en")
    r = client.post(f"/callbacks/{_task_id(db, n)}/call", data={"csrf_token": csrf, "reached": "false"})
    assert _flash(r.text) == f"Not reached: {n}, attempt 1; call again later"


def test_review_that_reopens_is_confirmed(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = _completed(client, as_user)
    task_id = _task_id(db, n)
    r = client.post(f"/api/v1/callbacks/{task_id}/calls", headers=as_user("callback1"),
                    json={"reached": True, "solved": False, "satisfaction": "dissatisfied"})
    assert r.status_code == 200, r.text
    csrf = login(client, "dispatcher", db=db)
    r = client.post(f"/callbacks/{task_id}/review", data={"csrf_token": csrf, "decision": "reopen",
                                                        "reason": "市民反映摊贩仍在，重办"})
    assert r.status_code == 200
    assert _flash(r.text).startswith(f"已重办：{n} 已发回") and "城市管理" in _flash(r.text)


def test_refused_review_says_why(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    n = _completed(client, as_user)
    task_id = _task_id(db, n)
    client.post(f"/api/v1/callbacks/{task_id}/calls", headers=as_user("callback1"),
                json={"reached": True, "solved": False, "satisfaction": "dissatisfied"})
    csrf = login(client, "dispatcher", db=db)
    r = client.post(f"/callbacks/{task_id}/review", data={"csrf_token": csrf, "decision": "reopen", "reason": "短"})
    assert r.status_code == 422 and "请填写理由（至少5个字）" in r.text


def test_knowledge_answer_is_confirmed_on_the_order_page(client, as_user, db) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import create

    e = client.post("/api/v1/knowledge", headers=as_user("admin"), json={
        "question": "如何提取住房公积金支付医药费", "tags": ["公积金"],
        "answer": "职工本人或直系亲属患重大疾病的，可凭医院诊断证明和费用票据到公积金中心窗口申请提取。"}).json()
    n = create(client, as_user("operator1"), kind="consultation", title="公积金提取",
               content="老人住院想提取公积金付医药费，需要什么材料？")["number"]
    csrf = login(client, "operator1", db=db)
    r = client.post(f"/orders/{n}/knowledge/answer", data={"csrf_token": csrf, "entry_id": str(e["id"]),
                                                           "content": "可凭医院诊断证明和费用票据申请提取。"})
    assert r.status_code == 200 and str(r.url).endswith(f"/orders/{n}")
    assert _flash(r.text) == f"已即时答复并办结：{n}（知识库）"


# ---------------------------------------------------------------- 8. long demands are taken whole or refused


def _long_demand(n: int) -> str:
    """A demand of exactly ``n`` characters, made of real-sounding sentences."""
    base = "桃源社区三号楼东侧的雨水管网堵塞，暴雨后积水没过膝盖，居民出行困难，已多次向物业反映无果。"
    return (base * (n // len(base) + 1))[:n]


PORTAL = {"kind": "help", "phone": "13912345678", "address": "青阳市东城区新华路12号", "name": "李娜"}


def test_api_takes_twenty_thousand_characters_and_refuses_more(client, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.helpers import DEMAND

    text = _long_demand(20_000)
    r = client.post("/api/v1/orders", json={**DEMAND, "content": text}, headers=as_user("operator1"))
    assert r.status_code == 201, r.text
    got = client.get(f"/api/v1/orders/{r.json()['number']}", headers=as_user("operator1")).json()
    assert got["content"] == text
    r = client.post("/api/v1/orders", json={**DEMAND, "content": text + "。"}, headers=as_user("operator1"))
    assert r.status_code == 422


def test_console_intake_keeps_a_long_demand_whole(client, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "operator1", db=db)
    page = client.get("/orders/new").text
    assert 'data-maxchars="20000"' in page and 'id="f-content-count"' in page and 'maxlength="4000"' not in page
    text = _long_demand(6_000)
    r = client.post("/orders/new", data={"csrf_token": _csrf(page), "kind": "help", "title": "雨水管网堵塞",
                                         "content": text, "channel": "phone", "urgency": "normal"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    number = r.headers["location"].split("/orders/")[1].split("?")[0]
    assert db.scalar(select(Order.content).where(Order.number == number)) == text


def test_console_intake_refuses_an_over_long_demand_and_keeps_the_form(client, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "operator1", db=db)
    page = client.get("/orders/new").text
    text = _long_demand(20_050)
    r = client.post("/orders/new", data={"csrf_token": _csrf(page), "kind": "help", "title": "雨水管网堵塞",
                                         "content": text, "channel": "phone", "urgency": "normal"})
    assert r.status_code == 422
    assert "诉求内容不能超过20000个字（现为20050字），请精简后再提交" in r.text
    assert text in r.text  # nothing was cut from what the operator typed
    client.cookies.set("lang", "en")
    r = client.post("/orders/new", data={"csrf_token": _csrf(page), "kind": "help", "title": "雨水管网堵塞",
                                         "content": text, "channel": "phone", "urgency": "normal"})
    assert "The demand may have at most 20000 characters (it has 20050)" in r.text


def test_portal_takes_a_long_demand_and_refuses_an_over_long_one(client, db) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/portal").text
    assert 'data-maxchars="20000"' in page and 'id="p-content-count"' in page and "10至2000字" not in page
    text = _long_demand(3_000)
    r = client.post("/portal", data={**PORTAL, "content": text})
    assert r.status_code == 201, r.text
    assert db.scalar(select(Order.content).where(Order.channel == "web").order_by(Order.id.desc()).limit(1)) == text
    r = client.post("/portal", data={**PORTAL, "phone": "13912345679", "content": _long_demand(20_001)})
    assert r.status_code == 422 and "诉求内容不能超过20000个字（现为20001字）" in r.text


def test_open311_takes_a_long_description_and_refuses_an_over_long_one(client, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_open311 import key, post

    k = key(as_user)
    r = post(client, k, description=_long_demand(5_000))
    assert r.status_code == 201, r.text
    r = post(client, k, description=_long_demand(20_001))
    assert r.status_code == 400
    assert "at most 20000 characters (it has 20001)" in r.json()[0]["description"]


def test_the_longest_real_message_goes_in_whole(client, as_user) -> None:  # type: ignore[no-untyped-def]
    import csv

    from tests.conftest import SHARED_DATA
    from tests.integration.helpers import DEMAND

    path = SHARED_DATA / "messages_train.csv"
    if not path.exists():
        pytest.skip("real messages not available")
    with path.open(encoding="utf-8") as f:
        longest = max((row["text"].strip() for row in csv.DictReader(f)), key=len)
    assert len(longest) > 10_000  # the training set holds one of 12,220 characters
    r = client.post("/api/v1/orders", json={**DEMAND, "content": longest}, headers=as_user("operator1"))
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/orders/{r.json()['number']}", headers=as_user("operator1")).json()["content"] == longest


def _csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


# ---------------------------------------------------------------- 9. the dispatcher sees the stored suggestion


def test_phone_order_shows_the_stored_suggestion_to_the_dispatcher(client, db) -> None:  # type: ignore[no-untyped-def]
    from hotline.routing.flows import decision_for

    number = _make_order(db)  # a phone order, taken without 采用: nothing chosen at intake
    order = db.scalar(select(Order).where(Order.number == number))
    dec = decision_for(db, order)
    assert dec is not None and dec.units
    top = dec.units[0]
    login(client, "dispatcher", db=db)
    page = client.get(f"/orders/{number}").text
    card = page.split('id="routing-h"')[1].split("</section>")[0]
    assert "系统推荐" in page and top["name"] in card
    assert f'{round(top["confidence"] * 100)}%' in card
    assert "依据" in card and top["reasons"][0] in card
    assert f'data-pick="lead_unit" data-value="{top["code"]}"' in card
    assert '"lead_unit": ["' + top["code"] in page  # the picker puts it first
    assert '<script src="/static/picker.js"' in page


def test_units_do_not_see_the_routing_card(client, db) -> None:  # type: ignore[no-untyped-def]
    number = _make_order(db, dispatch_to="cg_handler")
    login(client, "cg_handler", db=db)
    page = client.get(f"/orders/{number}")
    assert page.status_code == 200 and 'id="routing-h"' not in page.text


# ---------------------------------------------------------------- 10. the leader's first look


def _months_ago(n: int) -> tuple[object, str]:
    from datetime import timedelta

    from hotline.city.service import city_tz
    from hotline.db import utcnow

    at = utcnow() - timedelta(days=31 * n)
    local = at.astimezone(city_tz())
    return at, f"{local.year:04d}-{local.month:02d}"


def test_dashboard_opens_on_the_latest_month_with_orders(client, db) -> None:  # type: ignore[no-untyped-def]
    at, label = _months_ago(3)
    number = _make_order(db)
    db.execute(Order.__table__.update().where(Order.number == number).values(created_at=at))
    db.flush()
    login(client, "leader", db=db)
    page = client.get("/dashboard").text
    assert f"驾驶舱 · {label}" in page
    assert '<strong id="total-received">1</strong>' in page
    assert "所选周期内没有工单" not in page
    assert f'id="p-month" type="month" name="month" value="{label}"' in page


def test_dashboard_opens_on_the_last_full_month_not_a_month_just_begun(client, db) -> None:  # type: ignore[no-untyped-def]
    """On the 1st the current month holds a few orders and every rate reads 0 or 100 %: the page
    opens on the last full month with data instead; a city with no earlier order opens on today's."""
    _, current = _months_ago(0)
    at, label = _months_ago(2)
    login(client, "leader", db=db)
    _make_order(db)  # this month only: a new city
    assert f"驾驶舱 · {current}" in client.get("/dashboard").text
    old = _make_order(db)
    db.execute(Order.__table__.update().where(Order.number == old).values(created_at=at))
    db.flush()
    page = client.get("/dashboard").text
    assert f"驾驶舱 · {label}" in page and '<strong id="total-received">1</strong>' in page


def test_period_picker_month_quarter_year_custom(client, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "leader", db=db)
    page = client.get("/kpi").text
    for kind in ('value="month"', 'value="quarter"', 'value="year"', 'value="custom"'):
        assert kind in page
    assert 'type="month" name="month"' in page and 'name="quarter"' in page and 'name="year"' in page
    assert "考核排名 · 2026Q3" in client.get("/kpi?kind=quarter&quarter=2026Q3").text
    assert "考核排名 · 2025" in client.get("/kpi?kind=year&year=2025").text
    assert "考核排名 · 2026-02" in client.get("/kpi?kind=month&month=2026-02").text
    assert "考核排名 · 2026-01-05~2026-02-10" in client.get("/kpi?kind=custom&from=2026-01-05&to=2026-02-10").text
    assert "驾驶舱 · 2025" in client.get("/dashboard?kind=year&year=2025").text


def test_score_formula_is_shown_beside_the_score(client, db) -> None:  # type: ignore[no-untyped-def]
    import re

    login(client, "leader", db=db)
    for path in ("/kpi", "/dashboard"):
        text = re.sub(r"<[^>]+>", "", client.get(path).text)
        assert "综合得分 = 签收及时率 × 20% + 按期办结率 × 20% + 解决率 × 30% + 满意率 × 30%" in text, path
    client.cookies.set("lang", "en")
    text = re.sub(r"<[^>]+>", "", client.get("/kpi").text)
    assert ("Composite score = Response rate × 20% + On-time completion rate × 20% + Resolution rate × 30%"
            " + Satisfaction rate × 30%") in text
