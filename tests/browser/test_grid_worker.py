"""The grid worker's phone walk (issue #17 item 5), at 390×844: the app installs its service worker,
opens from its cache with the network gone, queues the on-site result offline, and sends it once when
the network returns — the order goes to 重办.  And the supervisor's side-by-side suspected-fake case."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hotline import db as dbmod
from tests.browser.test_walkthrough import PASSWORD, _login

pytestmark = pytest.mark.browser

SOLVED = "经现场核查，占道摊贩情况属实。城管中队已于当晚清理摊点并责令摊主搬离，问题已解决。"
CITIZEN = "摊贩根本没走，昨晚还在门口摆摊到十一点。"


def _disputed_order() -> tuple[str, int]:
    """A completed order the citizen says is unsolved at the callback: a suspected-fake case."""
    from hotline.callbacks.flows import do_record_call
    from hotline.callbacks.models import CallbackTask
    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import Category, User
    from hotline.replies.models import ReplyFlag

    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        t = utcnow() - timedelta(hours=2)
        o = do_create_order(s, actor=who("operator1"), now=t, data={
            "kind": "complaint", "title": "小区门口占道经营", "citizen_phone": "13912345678",
            "content": "新华街道桃源社区门口每天晚上有摊贩占道经营，噪音大、垃圾多，希望处理。",
            "territory_code": "c-xinhua-taoyuan"})
        do_action(s, order=o, actor=who("dispatcher"), action=Action.dispatch, now=t,
                  payload={"lead_unit": "dept-chengguan", "category_code": cat})
        do_action(s, order=o, actor=who("cg_handler"), action=Action.sign, now=t, payload={})
        do_action(s, order=o, actor=who("cg_handler"), action=Action.reply, now=t, payload={"content": SOLVED})
        do_action(s, order=o, actor=who("dispatcher"), action=Action.complete, now=t, payload={})
        task = s.scalar(select(CallbackTask).where(CallbackTask.order_id == o.id))
        do_record_call(s, task=task, actor=who("callback1"), payload={
            "reached": True, "solved": False, "satisfaction": "dissatisfied", "comment": CITIZEN,
            "recording_note": "录音 REC-0931，02:15 起"})
        s.flush()
        flag = s.scalar(select(ReplyFlag).where(ReplyFlag.order_id == o.id, ReplyFlag.kind == "suspected_fake"))
        return o.number, flag.id


def test_supervisor_sees_the_case_side_by_side_and_orders_a_check_that_a_grid_worker_does_offline(
        live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.orders.models import Order, OrderEvent

    number, flag_id = _disputed_order()

    # the supervisor: both texts side by side with the recording note, then orders an on-site check
    sup = _login(browser, live_server, "supervisor")
    sup.goto(f"{live_server}/reply-flags?kind=suspected_fake")
    sup.get_by_role("link", name=number).click()
    expect(sup.locator('[data-side="unit"]')).to_contain_text(SOLVED)
    expect(sup.locator('[data-side="citizen"]')).to_contain_text(CITIZEN)
    expect(sup.get_by_text("录音 REC-0931，02:15 起")).to_be_visible()
    unit_box = sup.locator('[data-side="unit"]').bounding_box()
    citizen_box = sup.locator('[data-side="citizen"]').bounding_box()
    assert unit_box and citizen_box and abs(unit_box["y"] - citizen_box["y"]) < 5  # side by side, not stacked
    assert unit_box["x"] < citizen_box["x"]
    sup.screenshot(path=str(screenshots / "fake-1-side-by-side.png"), full_page=True)
    sup.get_by_role("link", name="安排现场核查").click()
    expect(sup.get_by_label("社区")).to_have_value("c-xinhua-taoyuan")
    sup.get_by_label("核查要求").fill("请到桃源社区门口核实摊贩是否已清理，拍照留证")
    sup.get_by_role("button", name="安排现场核查").click()
    expect(sup).to_have_url(f"{live_server}/reply-flags/{flag_id}")

    # the grid worker, on a phone: the app loads and its service worker caches the shell
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="zh-CN", permissions=["geolocation"],
                              geolocation={"latitude": 27.712345, "longitude": 111.998765, "accuracy": 15})
    ctx.set_default_timeout(60_000)
    phone = ctx.new_page()
    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill("grid_taoyuan")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    expect(phone).to_have_url(f"{live_server}/grid/")
    expect(phone.locator("body")).to_have_attribute("data-sw", "ready")
    card = phone.locator(f'article:has-text("{number}")')
    expect(card).to_contain_text("请到桃源社区门口核实摊贩是否已清理")
    phone.screenshot(path=str(screenshots / "grid-1-tasks.png"))

    # the network goes: the app still opens, from its cache, with the tasks last synced
    ctx.set_offline(True)
    phone.reload()
    expect(phone.locator("#offline")).to_be_visible()
    card = phone.locator(f'article:has-text("{number}")')
    expect(card).to_contain_text("请到桃源社区门口核实摊贩是否已清理")
    card.get_by_label("未解决").check()
    card.get_by_label("核查情况").fill("晚上九点到场，摊贩仍在门口摆摊，共三处，已拍照。")
    card.get_by_label("现场照片").set_input_files(files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                                          "buffer": _phone_photo()}])
    card.get_by_role("button", name="提交核查结果").click()
    expect(card.locator(".status")).to_have_text("已排队，联网后发送")
    expect(phone.locator("#queue-count")).to_have_text("待发送 1 条")
    phone.screenshot(path=str(screenshots / "grid-2-offline-queued.png"))
    with dbmod.session_scope() as s:
        assert s.scalar(select(Order.status).where(Order.number == number)) == "completed"  # nothing sent yet

    # the network returns: the queue is sent once, the order goes to 重办
    ctx.set_offline(False)
    expect(phone.locator("#queue-count")).to_have_text("")
    expect(phone.locator(f'article:has-text("{number}")')).to_contain_text("已核查：未解决")
    phone.screenshot(path=str(screenshots / "grid-3-sent.png"))
    with dbmod.session_scope() as s:
        order = s.scalar(select(Order).where(Order.number == number))
        assert order.status == "dispatched" and order.reopen_count == 1
        n_lines = s.scalar(select(func.count()).select_from(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.note.like("现场核查：未解决%")))
        assert n_lines == 1
    # going offline and back again replays nothing
    ctx.set_offline(True)
    ctx.set_offline(False)
    phone.reload()
    expect(phone.locator(f'article:has-text("{number}")')).to_contain_text("已核查：未解决")
    with dbmod.session_scope() as s:
        order = s.scalar(select(Order).where(Order.number == number))
        assert s.scalar(select(func.count()).select_from(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.note.like("现场核查：未解决%"))) == 1
    ctx.close()


def _phone_photo() -> bytes:
    from tests.integration.test_verification import gps_jpeg

    return gps_jpeg()
