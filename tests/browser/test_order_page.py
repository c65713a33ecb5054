"""The order page leads with the next step (issue #20, item 1), seen in the browser by each role.

Screenshots of each role and status in test-artifacts/screenshots/order-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from tests.browser.test_everyday import _phone_order
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _signed(number: str, *, supervised: bool) -> None:
    """Dispatch ``number`` to 城管 and sign it; optionally a supervisor's 督办 waits for the answer."""
    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action
    from hotline.orders.models import Order
    from hotline.org.models import Category, User
    from hotline.supervision.flows import do_issue

    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        o = s.scalar(select(Order).where(Order.number == number))
        cat = s.scalar(select(Category.code).where(Category.level == 3, Category.name == "路灯"))
        do_action(s, order=o, actor=who("dispatcher"), action=Action.dispatch,
                  payload={"lead_unit": "dept-chengguan", "category_code": cat})
        do_action(s, order=o, actor=who("cg_handler"), action=Action.sign, payload={})
        if supervised:
            do_issue(s, order=o, actor=who("supervisor"), level="supervise", note="请明日前回复路灯维修进度",
                     respond_by=(utcnow() + timedelta(days=1)).date(), now=utcnow())


def test_each_role_meets_its_next_step_first(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    number = _phone_order("人民路路灯不亮", "人民路与解放路交叉口的路灯已经连续一周不亮，晚上很不安全。")
    disp = _login(browser, live_server, "dispatcher")
    disp.goto(f"{live_server}/orders/{number}")
    step = disp.get_by_role("region", name="下一步")
    lead = step.locator(".actions-grid.lead form")
    expect(lead.first).to_have_accessible_name("派单")
    # pre-filled with routing's first choice: the dispatcher only confirms
    expect(lead.first.get_by_label("主办单位")).to_have_value("dept-chengguan")
    expect(lead.first.get_by_label("诉求分类")).not_to_have_value("")
    other = step.locator("details.more-actions")
    expect(other).not_to_have_attribute("open", "")
    expect(other.locator("summary")).to_contain_text("告知")
    expect(disp.get_by_role("form", name="告知", exact=True)).to_have_count(0)  # hidden until the menu opens
    expect(disp.get_by_role("navigation", name="本单相关").get_by_role("link", name="来电人历史")).to_be_visible()
    disp.screenshot(path=str(screenshots / "order-received-dispatcher.png"), full_page=True)
    other.locator("summary").click()
    expect(disp.get_by_role("form", name="告知", exact=True)).to_be_visible()
    disp.screenshot(path=str(screenshots / "order-received-dispatcher-other-actions.png"), full_page=True)

    plain = _phone_order("解放路路灯闪烁", "解放路中段的路灯一直闪烁，影响夜间行车，请尽快维修。")
    _signed(plain, supervised=False)
    unit = _login(browser, live_server, "cg_handler")
    unit.goto(f"{live_server}/orders/{plain}")
    lead = unit.get_by_role("region", name="下一步").locator(".actions-grid.lead form")
    expect(lead.first).to_have_accessible_name("答复")
    expect(unit.locator("main")).not_to_contain_text("督办回复")
    unit.screenshot(path=str(screenshots / "order-in-progress-handler.png"), full_page=True)

    supervised = _phone_order("和平路路灯不亮", "和平路东段路灯三天不亮，附近老人晚上出门很不方便。")
    _signed(supervised, supervised=True)
    unit.goto(f"{live_server}/orders/{supervised}")
    lead = unit.get_by_role("region", name="下一步").locator(".actions-grid.lead form")
    expect(lead.first).to_have_accessible_name("督办回复")
    expect(lead.nth(1)).to_have_accessible_name("答复")
    unit.screenshot(path=str(screenshots / "order-in-progress-supervised-handler.png"), full_page=True)

    # the handler replies from the lead form; the dispatcher then meets 审核办结 first
    form = unit.get_by_role("form", name="答复", exact=True)
    form.get_by_label("答复内容").fill("已安排维修人员更换和平路东段路灯灯泡并检修线路，现已恢复照明，感谢您的监督。")
    form.get_by_role("button", name="答复", exact=True).click()
    expect(unit.locator("#flash")).to_contain_text("操作成功：答复")
    disp.goto(f"{live_server}/orders/{supervised}")
    lead = disp.get_by_role("region", name="下一步").locator(".actions-grid.lead form")
    expect(lead.first).to_have_accessible_name("审核办结")
    disp.screenshot(path=str(screenshots / "order-replied-dispatcher.png"), full_page=True)
