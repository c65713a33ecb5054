"""The Chinese console pages: each page for the roles that use it, scoping and masking,
intake validation, actions through the page routes, stale versions, English, and CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_create_order
from hotline.orders.models import Order
from hotline.org.models import Category, User
from tests.conftest import login

PHONE = "13812345678"


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def _leaf(db: Session, name: str = "路灯") -> Category:
    cat = db.scalar(select(Category).where(Category.level == 3, Category.name == name))
    assert cat is not None
    return cat


def _order(db: Session, *, dispatch_to: str | None = None, sign: bool = False, title: str = "人民路路灯不亮") -> Order:
    """An order made through the real flows, optionally dispatched to ``dispatch_to``'s unit."""
    op = Actor.of(_user(db, "operator1"))
    order = do_create_order(db, actor=op, data={
        "kind": "complaint", "title": title, "content": "人民路与解放路交叉口的路灯已经连续一周不亮，晚上很不安全。",
        "citizen_name": "张伟", "citizen_phone": PHONE, "address": "青阳市东城区人民路88号", "channel": "phone",
        "urgency": "normal", "category_code": _leaf(db).code})
    db.flush()
    if dispatch_to:
        unit = _user(db, dispatch_to).unit
        do_action(db, order=order, actor=Actor.of(_user(db, "dispatcher")), action=Action.dispatch,
                  payload={"lead_unit": unit.code})
        db.flush()
        if sign:
            do_action(db, order=order, actor=Actor.of(_user(db, dispatch_to)), action=Action.sign,
                      payload={})
            db.flush()
    db.commit()
    return order


def _token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf token in page"
    return m.group(1)


def _act(client: TestClient, number: str, csrf: str, action: str, version: int, *, htmx: bool = True,
         **fields: object):  # type: ignore[no-untyped-def]
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf} if htmx else {}
    data = {"action": action, "expected_version": str(version), "csrf_token": csrf, **fields}
    return client.post(f"/orders/{number}/act", data=data, headers=headers, follow_redirects=False)


# ---------------------------------------------------------------- pages by role


@pytest.mark.parametrize("username", ["operator1", "dispatcher"])
def test_intake_form_renders_for_front_desk(client: TestClient, db: Session, username: str) -> None:
    login(client, username, db=db)
    r = client.get("/orders/new")
    assert r.status_code == 200
    html = r.text
    for text in ("受理工单", "诉求类型", "咨询", "表扬", "诉求内容", "联系电话", "匿名", "保密", "属地", '<div id="suggestions"'):
        assert text in html, text
    assert "城乡建设/市政设施/路灯" in html  # categories shown with their path
    assert "话务员" in html or "派单员" in html  # role label in the top bar


def test_intake_form_is_refused_to_units(client: TestClient, db: Session) -> None:
    login(client, "cg_handler", db=db)
    r = client.get("/orders/new")
    assert r.status_code == 403
    assert "无权" in r.text


def test_order_list_renders_with_rows_and_lights(client: TestClient, db: Session) -> None:
    order = _order(db, dispatch_to="cg_handler")
    login(client, "dispatcher", db=db)
    r = client.get("/orders")
    assert r.status_code == 200
    assert "工单列表" in r.text and order.number in r.text
    assert "城乡建设/市政设施/路灯" in r.text and "待签收" in r.text
    assert 'class="dot green"' in r.text and "时限状态" in r.text  # the light, with text for screen readers
    assert "派单员" in r.text


def test_order_list_filters_and_htmx_partial(client: TestClient, db: Session) -> None:
    a = _order(db, title="人民路路灯不亮")
    b = _order(db, dispatch_to="cg_handler", title="解放路井盖缺失")
    login(client, "operator1", db=db)
    r = client.get("/orders", params={"status": "received"})
    assert a.number in r.text and b.number not in r.text
    r = client.get("/orders", params={"q": "井盖"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert r.status_code == 200
    assert "<html" not in r.text  # only the table
    assert b.number in r.text and a.number not in r.text
    r = client.get("/orders", params={"date_from": "nonsense", "page": "x", "status": "bogus", "overdue": "true"})
    assert r.status_code == 200


def test_order_detail_renders_for_centre(client: TestClient, db: Session) -> None:
    order = _order(db)
    login(client, "operator1", db=db)
    r = client.get(f"/orders/{order.number}")
    assert r.status_code == 200
    html = r.text
    assert order.title in html and PHONE in html  # the centre sees the full phone
    assert "办理过程" in html and "受理" in html
    # the operator's intake actions, each in its own form carrying the version
    for label in ("派单", "派至分中心", "即时办结", "转应急", "告知"):
        assert f">{label}</h3>" in html, label
    assert f'name="expected_version" value="{order.version}"' in html


def test_queue_renders_for_dispatcher_operator_supervisor(client: TestClient, db: Session) -> None:
    order = _order(db)
    for username in ("dispatcher", "operator1", "supervisor"):
        client.cookies.clear()
        login(client, username, db=db)
        r = client.get("/queue")
        assert r.status_code == 200, username
        for text in ("派单队列", "待派单", "退单待审", "延期申请", "答复待审核"):
            assert text in r.text
        assert order.number in r.text
    client.cookies.clear()
    login(client, "callback1", db=db)
    assert client.get("/queue").status_code == 403


def test_queue_shows_the_units_return_reason(client: TestClient, db: Session) -> None:
    order = _order(db, dispatch_to="cg_handler")
    do_action(db, order=order, actor=Actor.of(_user(db, "cg_handler")), action=Action.request_return,
              payload={"reason": "该路段路灯由供电公司维护，不属本单位职责"})
    db.commit()
    login(client, "dispatcher", db=db)
    r = client.get("/queue")
    assert "该路段路灯由供电公司维护" in r.text


def test_inbox_renders_and_signs_with_one_click(client: TestClient, db: Session) -> None:
    order = _order(db, dispatch_to="cg_handler")
    csrf = login(client, "cg_handler", db=db)
    r = client.get("/inbox")
    assert r.status_code == 200
    for text in ("待签收", "办理中", "协办", "已答复", "承办人"):
        assert text in r.text
    assert order.number in r.text and "签收" in r.text
    r = _act(client, order.number, csrf, "sign", order.version, return_to="inbox")
    assert r.status_code == 200, r.text
    assert "操作成功" in r.text and 'id="inbox-sections"' not in r.text  # the sections partial
    db.refresh(order)
    assert order.status == "in_progress"


def test_inbox_is_for_units_only(client: TestClient, db: Session) -> None:
    login(client, "operator1", db=db)
    assert client.get("/inbox").status_code == 403


# ---------------------------------------------------------------- scoping and masking


def test_unit_sees_its_order_masked_and_not_others(client: TestClient, db: Session) -> None:
    mine = _order(db, dispatch_to="cg_handler")
    other = _order(db, dispatch_to="zj_handler", title="小区物业不作为")
    login(client, "cg_handler", db=db)
    r = client.get(f"/orders/{mine.number}")
    assert r.status_code == 200
    assert "138****5678" in r.text and PHONE not in r.text
    assert "张*" in r.text and "张伟" not in r.text
    r = client.get(f"/orders/{other.number}")
    assert r.status_code == 404
    assert "找不到工单" in r.text
    assert other.number not in client.get("/orders").text


# ---------------------------------------------------------------- intake


def test_intake_creates_an_order_and_offers_quick_actions(client: TestClient, db: Session) -> None:
    login(client, "operator1", db=db)
    form = client.get("/orders/new").text
    r = client.post("/orders/new", data={
        "csrf_token": _token(form), "kind": "complaint", "title": "解放路井盖缺失",
        "content": "解放路108号门口井盖缺失，已有行人险些掉入。", "channel": "phone", "urgency": "urgent",
        "category_code": _leaf(db, "井盖").code, "citizen_name": "李娜", "citizen_phone": "13912345678",
        "address": "解放路108号", "note": "来电人情绪激动"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith("?intake=1")
    number = r.headers["location"].split("/")[2].split("?")[0]
    order = db.scalar(select(Order).where(Order.number == number))
    assert order is not None and order.status == "received" and order.urgency == "urgent"
    page = client.get(r.headers["location"])
    assert "工单已受理" in page.text and number in page.text
    assert ">派单</h3>" in page.text and ">即时办结</h3>" in page.text


def test_intake_shows_field_errors_and_keeps_input(client: TestClient, db: Session) -> None:
    login(client, "operator1", db=db)
    form = client.get("/orders/new").text
    r = client.post("/orders/new", data={
        "csrf_token": _token(form), "kind": "complaint", "title": "路灯坏了",
        "content": "东风路的路灯坏了好几天了。", "citizen_phone": "12345", "anonymous": "1"})
    assert r.status_code == 422
    assert "联系电话格式不正确" in r.text
    assert 'value="路灯坏了"' in r.text and "东风路的路灯坏了好几天了。" in r.text  # kept
    assert 'aria-invalid="true"' in r.text
    r = client.post("/orders/new", data={"csrf_token": _token(form), "title": "x"})
    assert r.status_code == 422
    assert "请选择诉求类型" in r.text and "标题至少2个字" in r.text
    r = client.post("/orders/new", data={"csrf_token": _token(form), "kind": "help", "title": "求助一下",
                                         "content": "家门口下水道堵塞", "category_code": "999999"})
    assert r.status_code == 422 and "未知分类" in r.text


# ---------------------------------------------------------------- actions


def test_dispatch_through_the_page_changes_the_status(client: TestClient, db: Session) -> None:
    order = _order(db)
    csrf = login(client, "dispatcher", db=db)
    unit = _user(db, "cg_handler").unit
    co = _user(db, "zj_handler").unit
    r = _act(client, order.number, csrf, "dispatch", order.version, lead_unit=unit.code,
             co_units=[co.code], note="请尽快处理")
    assert r.status_code == 200, r.text
    assert "操作成功" in r.text and 'hx-swap-oob="true"' in r.text
    assert "待签收" in r.text and unit.name in r.text and co.name in r.text
    db.refresh(order)
    assert order.status == "dispatched" and order.lead_unit_id == unit.id


def test_action_without_htmx_redirects_to_the_order(client: TestClient, db: Session) -> None:
    order = _order(db, dispatch_to="cg_handler")
    csrf = login(client, "cg_handler", db=db)
    r = _act(client, order.number, csrf, "sign", order.version, htmx=False)
    assert r.status_code == 303 and r.headers["location"] == f"/orders/{order.number}"


def test_stale_version_shows_the_conflict_message(client: TestClient, db: Session) -> None:
    order = _order(db)
    csrf = login(client, "dispatcher", db=db)
    seen = order.version  # the dispatcher's page was rendered with this version …
    assert f'name="expected_version" value="{seen}"' in client.get(f"/orders/{order.number}").text
    do_action(db, order=order, actor=Actor.of(_user(db, "operator1")), action=Action.comment,
              payload={"note": "诉求人再次来电催促"})  # … then someone else changed the order
    db.commit()
    assert order.version != seen
    r = _act(client, order.number, csrf, "dispatch", seen, lead_unit=_user(db, "cg_handler").unit.code)
    assert r.status_code == 409
    assert "工单已被他人修改，请刷新后重试" in r.text and 'class="flash error"' in r.text
    db.refresh(order)
    assert order.status == "received"


def test_bad_action_input_is_a_readable_4xx(client: TestClient, db: Session) -> None:
    order = _order(db, dispatch_to="cg_handler", sign=True)
    csrf = login(client, "cg_handler", db=db)
    r = _act(client, order.number, csrf, "reply", order.version, content="太短")
    assert r.status_code == 422 and "答复内容" in r.text
    r = _act(client, order.number, csrf, "request_extension", order.version, extra_days="abc", reason="需要协调多个部门")
    assert r.status_code == 422 and "延期天数" in r.text
    r = _act(client, order.number, csrf, "no_such_action", order.version)
    assert r.status_code == 422
    r = _act(client, order.number, csrf, "complete", order.version)  # a unit may not complete
    assert r.status_code in (403, 409)


def test_attachment_upload_through_the_page(client: TestClient, db: Session) -> None:
    order = _order(db)
    csrf = login(client, "operator1", db=db)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    r = client.post(f"/orders/{order.number}/attachments", files={"file": ("现场照片.png", png, "image/png")},
                    data={"csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    assert "现场照片.png" in r.text and f"/api/v1/orders/{order.number}/attachments/" in r.text
    r = client.post(f"/orders/{order.number}/attachments", files={"file": ("a.txt", b"hello", "text/plain")},
                    data={"csrf_token": csrf}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and "只接受图片" in r.text


# ---------------------------------------------------------------- language and CSRF


def test_english_switch_translates_the_list(client: TestClient, db: Session) -> None:
    _order(db)
    login(client, "operator1", db=db)
    r = client.get("/lang/en", headers={"referer": "/orders"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/orders"
    r = client.get("/orders")
    assert r.status_code == 200
    html = r.text
    assert "Work orders" in html and "Awaiting dispatch" in html and "Operator" in html
    assert "工单列表" not in html and "待派单" not in html and "中文" in html
    client.get("/lang/zh", follow_redirects=False)
    assert "工单列表" in client.get("/orders").text


def test_post_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    order = _order(db)
    login(client, "dispatcher", db=db)
    unit = _user(db, "cg_handler").unit
    r = client.post(f"/orders/{order.number}/act", data={"action": "dispatch", "lead_unit": unit.code},
                    follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/orders/new", data={"kind": "help", "title": "求助", "content": "需要帮助一下谢谢"},
                    follow_redirects=False)
    assert r.status_code == 403
    db.refresh(order)
    assert order.status == "received"


def test_pages_need_a_login(client: TestClient) -> None:
    r = client.get("/orders", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
