"""One order from intake to close, driven through the console by each role in its own browser.

operator1 takes the call and dispatches it → cg_handler signs and asks for more time →
the dispatcher approves the extension → cg_handler replies → the dispatcher approves
completion (审核办结) → callback1 closes it.  A screenshot is saved after each step
in test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from hotline.org.models import Category, User

pytestmark = pytest.mark.browser

PASSWORD = "demo12345"


def _lookup() -> tuple[str, str, str]:
    """The unit of cg_handler (code, name) and the street-light category code."""
    with dbmod.session_factory()() as s:
        handler = s.scalar(select(User).where(User.username == "cg_handler"))
        cat = s.scalar(select(Category).where(Category.level == 3, Category.name == "路灯"))
        assert handler is not None and cat is not None
        return handler.unit.code, handler.unit.name, cat.code


def _login(browser: Any, base: str, username: str) -> Any:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(60_000)  # a cap, not a wait: the first intake of a process loads models
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def _act(page: Any, action: str, fields: dict[str, str] | None = None, select: dict[str, str] | None = None
         ) -> None:
    """Fill the form of one action on the order page and submit it (HTMX swaps the panel)."""
    from playwright.sync_api import expect

    form = page.get_by_role("form", name=action, exact=True)
    if not form.count():  # not a likely next step: it waits in the 其他操作 menu (docs/console.md)
        page.locator("details.more-actions > summary").click()
    for label, value in (select or {}).items():
        form.get_by_label(label).select_option(value)
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=action, exact=True).click()
    expect(page.locator("#flash")).to_contain_text(f"操作成功：{action}")


def test_one_order_from_intake_to_close(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    base = live_server
    unit_code, unit_name, category = _lookup()
    shot = iter(range(1, 100))

    def snap(page: Any, name: str) -> None:
        page.screenshot(path=str(screenshots / f"{next(shot):02d}-{name}.png"), full_page=True)

    # 1. operator1 takes the call and records it
    op = _login(browser, base, "operator1")
    expect(op.get_by_role("heading", name="受理工单")).to_be_visible()
    op.get_by_label("诉求类型").select_option("complaint")
    op.get_by_label("标题").fill("人民路路灯不亮")
    op.get_by_label("诉求内容").fill("人民路与解放路交叉口的路灯已经连续一周不亮，晚上行人很不安全，请尽快维修。")
    op.get_by_label("诉求分类").select_option(category)
    op.get_by_label("诉求人姓名").fill("张伟")
    op.get_by_label("联系电话").fill("13812345678")
    op.get_by_label("地址").fill("青阳市东城区人民路88号")
    snap(op, "operator-intake-form")
    op.get_by_role("button", name="提交受理").click()
    expect(op.get_by_role("status")).to_contain_text("工单已受理")
    number = op.url.split("/orders/")[1].split("?")[0]
    assert number.startswith("QY")
    snap(op, "operator-intake-result")

    # 2. … and dispatches it to the city-management bureau right on the result page
    _act(op, "派单", select={"主办单位": unit_code})
    expect(op.locator(".order-head .badge").first).to_have_text("待签收")
    snap(op, "operator-dispatched")

    # 3. cg_handler signs from the inbox with one click, then asks for more time
    unit = _login(browser, base, "cg_handler")
    expect(unit.get_by_role("heading", name="待办")).to_be_visible()
    unit.get_by_role("button", name=f"签收 {number}").click()
    expect(unit.locator("#flash")).to_contain_text("操作成功：签收")
    expect(unit.locator("#i-in_progress")).to_contain_text(number)
    snap(unit, "unit-signed-in-inbox")
    unit.get_by_role("link", name=number).first.click()
    expect(unit.get_by_text("138****5678")).to_be_visible()  # the unit sees a masked phone
    _act(unit, "申请延期", fields={"延期天数（工作日）": "2", "理由": "需协调供电公司共同检修线路"})
    expect(unit.locator(".order-head")).to_contain_text("延期待审批")
    snap(unit, "unit-extension-requested")

    # 4. the dispatcher approves the extension from the queue
    disp = _login(browser, base, "dispatcher")
    expect(disp.locator("#q-extensions")).to_contain_text(number)
    disp.locator("#q-extensions").get_by_role("link", name=number).click()
    _act(disp, "同意延期", fields={"审核意见": "同意延期2个工作日"})
    snap(disp, "dispatcher-extension-approved")

    # 5. cg_handler replies
    unit.reload()
    _act(unit, "答复", fields={"答复内容": "已安排维修人员更换路灯灯泡并检修线路，现已恢复照明，感谢您的监督。"})
    expect(unit.locator(".order-head .badge").first).to_have_text("已答复待审核")
    snap(unit, "unit-replied")

    # 6. the dispatcher reviews the reply and approves completion
    disp.goto(f"{base}/queue")
    disp.locator("#q-replies").get_by_role("link", name=number).click()
    _act(disp, "审核办结", fields={"办结意见": "答复规范，同意办结"})
    expect(disp.locator(".order-head .badge").first).to_have_text("已办结待回访")
    snap(disp, "dispatcher-completed")

    # 7. callback1 calls the citizen back: the order page offers no 归档 while the callback is open,
    #    the callback is recorded in the callback queue, and a satisfied result archives the order
    cb = _login(browser, base, "callback1")  # lands on the list of completed orders
    cb.get_by_role("link", name=number).click()
    expect(cb.get_by_role("form", name="归档", exact=True)).to_have_count(0)
    cb.goto(f"{base}/callbacks")
    form = cb.get_by_role("form", name=f"登记 {number}")
    form.get_by_label("是否解决").select_option("true")
    form.get_by_label("满意度").select_option("satisfied")
    form.get_by_label("备注", exact=True).fill("回访诉求人，路灯已修好，表示满意")
    form.get_by_role("button", name="提交").click()
    expect(cb.get_by_role("form", name=f"登记 {number}")).to_have_count(0)
    cb.goto(f"{base}/orders/{number}")
    expect(cb.locator(".order-head .badge").first).to_have_text("已归档")
    snap(cb, "callback-closed")

    # the timeline shows every step, in order
    steps = cb.locator("ol.timeline li .what").all_inner_texts()
    assert steps == ["受理", "派单", "签收", "申请延期", "同意延期", "答复", "审核办结", "归档"], steps
    expect(cb.locator("ol.timeline")).to_contain_text("回访诉求人，路灯已修好，表示满意")


def test_stale_page_shows_the_conflict_in_flash(live_server: str, browser: Any, screenshots: Path) -> None:
    """A 409 from HTMX is swapped into #flash (htmx:beforeSwap in base.html), not silently dropped."""
    from playwright.sync_api import expect

    unit_code, _, category = _lookup()
    first = _login(browser, live_server, "operator1")
    first.get_by_label("诉求类型").select_option("help")
    first.get_by_label("标题").fill("井盖缺失")
    first.get_by_label("诉求内容").fill("解放路108号门口井盖缺失，请尽快处理。")
    first.get_by_role("button", name="提交受理").click()
    expect(first.get_by_role("status")).to_contain_text("工单已受理")
    second = first.context.new_page()  # the same order open in a second tab
    second.goto(first.url)
    _act(second, "备注", fields={"备注内容": "诉求人再次来电催促"})
    form = first.get_by_role("form", name="派单", exact=True)
    form.get_by_label("主办单位").select_option(unit_code)
    form.get_by_label("诉求分类").select_option(category)
    form.get_by_role("button", name="派单", exact=True).click()
    expect(first.locator("#flash .flash.error")).to_contain_text("工单已被他人修改，请刷新后重试")
    first.screenshot(path=str(screenshots / "10-stale-page-conflict.png"), full_page=False)
