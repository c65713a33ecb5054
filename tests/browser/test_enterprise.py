"""In the browser: an operator takes an enterprise's demand with its 统一社会信用代码 (a mistyped code is refused
with the reason), dispatches it under the enterprise limits, and the enterprise desk lists it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login, _lookup

pytestmark = pytest.mark.browser

USCC = "91330100799655058B"


def test_enterprise_demand_from_intake_to_the_desk(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.orders.models import Order

    unit_code, _, category = _lookup()
    op = _login(browser, live_server, "operator1")
    op.get_by_label("诉求类型").select_option("help")
    op.get_by_label("标题").fill("工业园纬三路厂区门口路灯不亮")
    op.get_by_label("诉求内容").fill("我公司在工业园纬三路，厂区门口一排路灯不亮已一周，夜班工人进出不安全，请尽快维修。")
    op.get_by_label("诉求分类").select_option(category)
    op.get_by_label("诉求人姓名").fill("青阳精工机械有限公司 王建国")
    op.get_by_label("联系电话").fill("13600001234")
    op.get_by_label("诉求人类型").select_option("enterprise")
    op.get_by_label("统一社会信用代码").fill(USCC[:17] + "C")  # one character mistyped
    op.get_by_role("button", name="提交受理").click()
    expect(op.get_by_text("统一社会信用代码校验不通过")).to_be_visible()
    op.get_by_label("统一社会信用代码").fill(USCC)
    op.get_by_role("button", name="提交受理").click()
    expect(op.get_by_role("status")).to_contain_text("工单已受理")
    number = op.url.split("/orders/")[1].split("?")[0]
    expect(op.locator(".order-head .badge.enterprise")).to_have_text("涉企诉求")
    expect(op.get_by_role("cell", name=USCC)).to_be_visible()
    form = op.get_by_role("form", name="派单", exact=True)
    form.get_by_label("主办单位").select_option(unit_code)
    form.get_by_role("button", name="派单", exact=True).click()
    expect(op.locator("#flash")).to_contain_text("操作成功：派单", timeout=60_000)  # a loaded machine: a cap
    with dbmod.session_factory()() as s:
        order = s.scalar(select(Order).where(Order.number == number))
        assert order is not None and order.sla_policy == "enterprise" and order.requester_type == "enterprise"

    desk = _login(browser, live_server, "dispatcher")
    nav = desk.get_by_role("navigation", name="主导航")
    if not nav.get_by_role("link", name="涉企诉求").first.is_visible():  # under 更多 for this role
        nav.get_by_text("更多", exact=True).first.click()
    nav.get_by_role("link", name="涉企诉求").first.click()
    expect(desk.get_by_role("heading", name="涉企诉求台账")).to_be_visible()
    row = desk.locator("#enterprise-queue tr", has_text=number)
    expect(row).to_contain_text(USCC)
    expect(row).to_contain_text("待签收")
    desk.screenshot(path=str(screenshots / "32-enterprise-desk.png"), full_page=True)
