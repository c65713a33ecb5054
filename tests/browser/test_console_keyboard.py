"""Issue #20 items 2–4 in the browser: an operator takes a call and dispatches it with the keyboard
alone (no mouse click at all, counted in the page); a dispatcher saves a view and dispatches three
of its orders in bulk, seeing each order's result and timeline row; a handler inserts a 常用语 with
its placeholders filled for the order and attaches a photo from inside the reply form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from bench.intake_keyboard import COUNTER, keyboard_walk, wait_pop
from hotline import db as dbmod
from tests.browser.test_walkthrough import PASSWORD

pytestmark = pytest.mark.browser

MESSAGE = {"title": "新华路路灯不亮", "content": "新华街道桃源社区门口新华路的路灯已经连续一周不亮，晚上行人很不安全，请尽快维修。"}


def _actor(s: Any, username: str) -> Any:
    from hotline.orders.actor import Actor
    from hotline.org.models import User

    return Actor.of(s.scalar(select(User).where(User.username == username)))


def _page(browser: Any, base: str, username: str, count: bool = False) -> Any:
    """Logged in with the keyboard (the login form's Enter), so a counted walk starts at zero."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(60_000)
    if count:
        ctx.add_init_script(COUNTER)
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


@pytest.fixture
def call(live_server: str) -> Iterator[str]:
    from hotline.telephony.flows import do_record_call_event
    from hotline.telephony.models import CallEvent, CallRecord

    call_id = "kbd-test-call"
    with dbmod.session_scope() as s:
        do_record_call_event(s, event={"call_id": call_id, "type": "offered", "caller": "13912340001"})
        do_record_call_event(s, event={"call_id": call_id, "type": "answered", "caller": "13912340001",
                                       "agent": "operator1"})
    yield call_id
    with dbmod.session_scope() as s:
        s.execute(delete(CallEvent).where(CallEvent.call_id == call_id))
        s.execute(delete(CallRecord).where(CallRecord.call_id == call_id))


def test_call_pop_to_dispatched_order_by_keyboard_alone(live_server: str, browser: Any, call: str,
                                                        screenshots: Path) -> None:
    from playwright.sync_api import expect

    page = _page(browser, live_server, "operator1", count=True)
    wait_pop(page, live_server)
    expect(page.get_by_role("link", name="以此号码受理新工单")).to_have_attribute("aria-keyshortcuts", "Alt+N")
    # the pinyin picker is part of the walk: after adopting the suggestions the operator retypes the unit as "cgj"
    result = keyboard_walk(page, MESSAGE, fallback_unit="cgj")
    assert result["error"] is None, result
    assert result["clicks"] == 0, result  # not one mouse click from the call pop to the dispatched order
    assert 0 < result["keys"] <= 12, result
    expect(page.locator(".banner")).to_contain_text("工单已受理")
    expect(page.locator(".order-head .badge").first).to_have_text("待签收")  # dispatched at intake
    page.screenshot(path=str(screenshots / "keyboard-1-dispatched.png"), full_page=True)
    from hotline.orders.models import Order

    with dbmod.session_scope() as s:
        o = s.scalar(select(Order).where(Order.number == result["number"]))
        assert o is not None and o.citizen_phone == "13912340001" and o.lead_unit is not None
        assert o.title == MESSAGE["title"] and o.kind


def test_pinyin_initials_pick_the_unit(live_server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = _page(browser, live_server, "operator1")
    page.goto(f"{live_server}/orders/new")
    page.keyboard.press("Alt+D")
    expect(page.locator(".picker-filter[data-for=lead_unit]")).to_be_focused()
    page.keyboard.type("cgj")  # 城管局, the city-management bureau's short name
    expect(page.locator("#f-lead")).to_have_value("dept-chengguan")
    page.keyboard.press("Alt+C")
    page.keyboard.type("ld")  # 路灯
    expect(page.locator("#f-category option:not([hidden])", has_text="路灯").first).to_be_attached()
    page.keyboard.press("Alt+3")
    expect(page.locator("#f-kind")).to_have_value("complaint")
    page.keyboard.press("Alt+U")
    expect(page.locator("#f-urgency")).to_have_value("urgent")


def test_saved_view_then_bulk_dispatch_with_results_and_timelines(live_server: str, browser: Any,
                                                                  screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.flows import do_create_order
    from hotline.worklists.models import SavedView

    t = utcnow() - timedelta(minutes=5)
    with dbmod.session_scope() as s:
        numbers = [do_create_order(s, actor=_actor(s, "operator1"), now=t, data={
            "kind": "complaint", "title": f"人行道井盖缺失{i}", "content": f"新华路{i}号门口人行道井盖缺失，行人容易踩空，请尽快处理。"}
        ).number for i in range(3)]
    try:
        page = _page(browser, live_server, "dispatcher")
        page.goto(f"{live_server}/orders?q=人行道井盖缺失")
        bar = page.get_by_role("form", name="保存为视图")
        bar.get_by_label("视图名称").fill("井盖待派")
        bar.get_by_role("button", name="保存当前筛选为视图").click()
        views = page.get_by_role("navigation", name="保存的视图")
        expect(views.get_by_role("link", name="井盖待派")).to_have_attribute("aria-current", "page")
        expect(views.get_by_role("link", name="井盖待派")).to_contain_text("3")
        for n in numbers:
            page.get_by_label(f"选择 {n}").check()
        bulk = page.get_by_role("form", name="批量操作")
        bulk.get_by_label("操作").select_option("dispatch")
        bulk.get_by_label("派单至（主办单位）").select_option("dept-chengguan")
        leaf = bulk.locator("#bulk-category option").nth(1).get_attribute("value")
        bulk.get_by_label("诉求分类（无分类的工单必填）").select_option(leaf)
        page.screenshot(path=str(screenshots / "bulk-1-selected.png"), full_page=True)
        bulk.get_by_role("button", name="执行批量操作").click()
        expect(page.get_by_role("heading", name="批量派单")).to_be_visible()
        rows = page.locator("table.bulk-results tbody tr")
        expect(rows).to_have_count(3)
        for n in numbers:
            row = page.locator(f'tr[data-number="{n}"]')
            expect(row).to_contain_text("成功")
            expect(row).to_contain_text("待签收")
            expect(row).to_contain_text("派单")  # the timeline row this action wrote
        page.screenshot(path=str(screenshots / "bulk-2-results.png"), full_page=True)
        page.get_by_role("link", name=numbers[0]).click()
        expect(page.locator("#order-panel")).to_contain_text("青阳市城市管理局")
    finally:
        with dbmod.session_scope() as s:
            s.execute(delete(SavedView).where(SavedView.name == "井盖待派"))


def test_canned_reply_filled_and_attachment_in_the_reply_form(live_server: str, browser: Any,
                                                              screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import Category
    from hotline.phrases.flows import do_create_template
    from hotline.phrases.models import ReplyTemplate

    t = utcnow() - timedelta(minutes=10)
    with dbmod.session_scope() as s:
        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        o = do_create_order(s, actor=_actor(s, "operator1"), now=t, data={
            "kind": "complaint", "title": "小区门口占道经营", "content": "小区门口每天晚上有摊贩占道经营，噪音大、垃圾多，希望处理。"})
        do_action(s, order=o, actor=_actor(s, "dispatcher"), action=Action.dispatch, now=t,
                  payload={"lead_unit": "dept-chengguan", "category_code": cat})
        do_action(s, order=o, actor=_actor(s, "cg_handler"), action=Action.sign, now=t, payload={})
        do_create_template(s, actor=_actor(s, "cg_handler"), title="占道经营已清理",
                           body="您好，您反映的工单{工单编号}（{受理日期}受理），{承办单位}已派执法队员到场清理，并将每晚巡查。")
        number = o.number
    try:
        page = _page(browser, live_server, "cg_handler")
        page.goto(f"{live_server}/orders/{number}")
        reply = page.get_by_role("form", name="答复", exact=True)
        reply.get_by_label("常用语").select_option(label="占道经营已清理")
        reply.get_by_role("button", name="插入常用语").click()
        box = reply.get_by_label("答复内容")
        expect(box).to_have_value(f"您好，您反映的工单{number}（{t.astimezone(_tz()).year}年"
                                  f"{t.astimezone(_tz()).month}月{t.astimezone(_tz()).day}日受理），"
                                  "青阳市城市管理局已派执法队员到场清理，并将每晚巡查。")
        reply.get_by_label("添加附件（照片、现场记录）").set_input_files(
            files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0demo"}])
        expect(reply).to_contain_text("已附：现场.jpg")
        page.screenshot(path=str(screenshots / "phrases-1-inserted.png"), full_page=True)
        reply.get_by_role("button", name="答复", exact=True).click()
        expect(page.locator("#flash")).to_contain_text("操作成功：答复")
        expect(page.locator("#order-panel")).to_contain_text("上传附件：现场.jpg")
    finally:
        with dbmod.session_scope() as s:
            s.execute(delete(ReplyTemplate).where(ReplyTemplate.title == "占道经营已清理"))


def _tz() -> Any:
    from hotline.city.service import city_tz

    return city_tz()
