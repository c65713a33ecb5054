"""In the browser, issue #12: no 归档 while a callback waits for review (3), an operator's 微信 intake
with a lead unit goes through (4), a co-unit added on the order page and the reply form that waits
for its opinion (5)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from hotline.config import get_settings
from hotline.org.models import Category, Unit
from tests.browser.test_callback_and_dashboard import _completed_order
from tests.browser.test_walkthrough import _act, _login

pytestmark = pytest.mark.browser


def _record_dissatisfied(number: str) -> None:
    from hotline.callbacks.flows import do_record_call
    from hotline.callbacks.models import CallbackTask
    from hotline.orders.actor import Actor
    from hotline.orders.models import Order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        order = s.scalar(select(Order).where(Order.number == number))
        task = s.scalar(select(CallbackTask).where(CallbackTask.order_id == order.id))
        agent = Actor.of(s.scalar(select(User).where(User.username == "callback1")))
        do_record_call(s, task=task, actor=agent, payload={
            "reached": True, "solved": False, "satisfaction": "dissatisfied", "comment": "摊贩还在"})


def test_no_archive_button_while_the_callback_awaits_review(live_server: str, browser: Any,
                                                            screenshots: Path) -> None:
    from playwright.sync_api import expect

    number = _completed_order("菜市场门口占道经营", "13800003333")
    _record_dissatisfied(number)
    for who in ("callback1", "dispatcher"):
        page = _login(browser, live_server, who)
        page.goto(f"{live_server}/orders/{number}")
        expect(page.locator(".order-head .badge").first).to_have_text("已办结待回访")
        expect(page.get_by_role("heading", name="办理过程")).to_be_visible()
        expect(page.get_by_role("form", name="归档", exact=True)).to_have_count(0)
        page.screenshot(path=str(screenshots / f"flows-3-no-archive-{who}.png"), full_page=True)
    # the decision is made where it belongs: the callback review
    page.goto(f"{live_server}/callbacks")
    review = page.get_by_role("form", name=f"审核 {number}")
    review.get_by_label("理由").fill("市民反映摊贩仍在，重办")
    review.get_by_role("button", name="重办").click()
    page.goto(f"{live_server}/orders/{number}")
    expect(page.locator(".order-head .badge").first).to_have_text("待签收")


def test_operator_intake_wechat_with_a_lead_unit(live_server: str, browser: Any, screenshots: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect

    from hotline.duplicates.index import scorer

    scorer()  # fitted once per process (seconds on a busy machine): not inside the click's wait
    monkeypatch.setattr(get_settings(), "auto_dispatch_threshold", 0.0)  # routing would dispatch anything
    with dbmod.session_factory()() as s:
        cat = s.scalar(select(Category.code).where(Category.level == 3, Category.name == "路灯"))
        unit = s.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
        assert cat and unit
        unit_name = unit.name
    op = _login(browser, live_server, "operator1")
    op.get_by_label("诉求类型").select_option("complaint")
    op.get_by_label("标题").fill("人民路路灯不亮")
    op.get_by_label("诉求内容").fill("微信留言：人民路与解放路交叉口的路灯已经连续一周不亮，晚上行人很不安全。")
    op.get_by_label("来源渠道").select_option("wechat")
    op.get_by_label("诉求分类").select_option(cat)
    op.get_by_label("联系电话").fill("13812340000")
    op.get_by_label("直接派单至（可选）").select_option("dept-chengguan")
    op.get_by_role("button", name="提交受理").click()
    expect(op.get_by_role("status")).to_contain_text("工单已受理")
    expect(op.locator(".order-head .badge").first).to_have_text("待签收")
    expect(op.locator("table.kv").first).to_contain_text(unit_name)
    expect(op.locator("table.kv").first).to_contain_text("微信")
    op.screenshot(path=str(screenshots / "flows-4-wechat-intake.png"), full_page=True)


def test_add_co_unit_on_the_order_page_and_reply_waits(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        t = utcnow() - timedelta(minutes=10)
        o = do_create_order(s, actor=who("operator1"), now=t, data={
            "kind": "complaint", "title": "小区物业不管占道", "content": "小区门口有人占道经营，物业也不管，请处理。"})
        do_action(s, order=o, actor=who("dispatcher"), action=Action.dispatch, now=t,
                  payload={"lead_unit": "dept-chengguan", "category_code": cat})
        do_action(s, order=o, actor=who("cg_handler"), action=Action.sign, now=t + timedelta(minutes=1), payload={})
        number = o.number
        co_name = s.scalar(select(Unit.name).where(Unit.code == "dept-zhujian"))

    disp = _login(browser, live_server, "dispatcher")
    disp.goto(f"{live_server}/orders/{number}")
    _act(disp, "增加协办单位", select={"要增加的协办单位（可多选）": "dept-zhujian"},
         fields={"协办要求": "请提供物业管理方面的意见"})
    expect(disp.locator("table.kv").first).to_contain_text(co_name)
    disp.screenshot(path=str(screenshots / "flows-5-co-unit-added.png"), full_page=True)

    unit = _login(browser, live_server, "cg_handler")
    unit.goto(f"{live_server}/orders/{number}")
    reply = unit.get_by_role("form", name="答复", exact=True)
    expect(reply).to_contain_text("答复须等待协办意见")
    expect(reply).to_contain_text(co_name)
    reply.get_by_label("答复内容").fill("已责令摊贩离开，并安排队员每晚巡查，感谢监督。")
    reply.get_by_role("button", name="答复", exact=True).click()
    expect(unit.locator("#flash .flash.error")).to_contain_text("尚未提交协办意见")
    unit.screenshot(path=str(screenshots / "flows-5-reply-waits.png"), full_page=True)
    reply = unit.get_by_role("form", name="答复", exact=True)
    reply.get_by_label("答复内容").fill("已责令摊贩离开，并安排队员每晚巡查，感谢监督。")
    reply.get_by_label("不待协办意见直接答复的理由").fill("市民要求当日答复，协办单位未回复")
    reply.get_by_role("button", name="答复", exact=True).click()
    expect(unit.locator("#flash")).to_contain_text("操作成功：答复")
    expect(unit.locator(".order-head .badge").first).to_have_text("已答复待审核")
