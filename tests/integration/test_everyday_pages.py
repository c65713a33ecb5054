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
from hotline.orders.enums import Action
from hotline.orders.flows import Actor, do_action, do_create_order
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
