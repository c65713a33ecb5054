"""A dispatcher works a saved view of the queue in bulk; a unit signs for its orders in bulk from its inbox
(issue #20 item 3). axe audits every page on the way (tests/browser/conftest.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from hotline import db as dbmod
from tests.browser.test_console_keyboard import _actor, _page

pytestmark = pytest.mark.browser


def test_dispatcher_opens_a_saved_queue_view_and_dispatches_in_bulk(live_server: str, browser: Any,
                                                                     screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.flows import do_create_order
    from hotline.worklists.models import SavedView

    t = utcnow() - timedelta(minutes=5)
    with dbmod.session_scope() as s:
        numbers = [do_create_order(s, actor=_actor(s, "operator1"), now=t, data={
            "kind": "complaint", "title": f"队列视图路灯不亮{i}", "urgency": "urgent",
            "content": f"新华路{i}号门口的路灯连续三天不亮，晚上行人看不清路，请尽快维修。"}).number for i in range(3)]
        other = do_create_order(s, actor=_actor(s, "operator1"), now=t, data={
            "kind": "consultation", "title": "队列视图路灯咨询", "content": "想咨询一下新华路路灯的维修电话是多少。"}).number
    try:
        page = _page(browser, live_server, "dispatcher")
        page.goto(f"{live_server}/queue")
        filters = page.get_by_role("search", name="筛选工单")
        filters.get_by_label("关键词").fill("队列视图路灯")
        filters.get_by_label("紧急程度").select_option("urgent")
        filters.get_by_role("button", name="查询").click()
        page.wait_for_url(lambda u: "urgency=urgent" in u)
        new = page.locator("#q-new")
        expect(new.locator("tbody tr")).to_have_count(3)
        expect(new).not_to_contain_text(other)
        # keep it as a view of the queue; the bar then opens it, with its count
        bar = page.get_by_role("form", name="保存为视图")
        bar.get_by_label("视图名称").fill("紧急路灯待派")
        bar.get_by_role("button", name="保存当前筛选为视图").click()
        page.wait_for_url(lambda u: "/queue?" in u and "view=" in u)
        views = page.get_by_role("navigation", name="保存的视图")
        chip = views.get_by_role("link", name="紧急路灯待派")
        expect(chip).to_have_attribute("aria-current", "page")
        expect(chip).to_contain_text("3")
        page.goto(f"{live_server}/queue")  # later: open the view from the bar
        page.get_by_role("navigation", name="保存的视图").get_by_role("link", name="紧急路灯待派").click()
        page.wait_for_url(lambda u: "view=" in u)
        expect(page.locator("#q-new tbody tr")).to_have_count(3)
        for n in numbers:
            page.get_by_label(f"选择 {n}").check()
        bulk = page.get_by_role("form", name="批量操作")
        bulk.get_by_label("操作").select_option("dispatch")
        bulk.get_by_label("派单至（主办单位）").select_option("dept-chengguan")
        leaf = bulk.locator("#bulk-category option").nth(1).get_attribute("value")
        bulk.get_by_label("诉求分类（无分类的工单必填）").select_option(leaf)
        page.screenshot(path=str(screenshots / "queue-bulk-1-view-selected.png"), full_page=True)
        bulk.get_by_role("button", name="执行批量操作").click()
        expect(page.get_by_role("heading", name="批量派单")).to_be_visible()
        expect(page.locator("table.bulk-results tbody tr")).to_have_count(3)
        for n in numbers:
            row = page.locator(f'tr[data-number="{n}"]')
            expect(row).to_contain_text("成功")
            expect(row).to_contain_text("待签收")
        page.screenshot(path=str(screenshots / "queue-bulk-2-results.png"), full_page=True)
        page.get_by_role("link", name="返回列表").click()
        page.wait_for_url(lambda u: "/queue?" in u and "view=" in u)
        expect(page.locator("#q-new")).to_contain_text("暂无工单")  # all three dispatched: the view is empty
        expect(page.get_by_role("navigation", name="保存的视图").get_by_role("link", name="紧急路灯待派")
               ).to_contain_text("0")

        # the unit's handler signs for two of them at once from the inbox
        unit = _page(browser, live_server, "cg_handler")
        unit.goto(f"{live_server}/inbox?q=队列视图路灯")
        for n in numbers[:2]:
            unit.get_by_label(f"选择 {n}").check()
        ubulk = unit.get_by_role("form", name="批量操作")
        ubulk.get_by_label("操作").select_option("sign")
        ubulk.get_by_role("button", name="执行批量操作").click()
        expect(unit.get_by_role("heading", name="批量签收")).to_be_visible()
        for n in numbers[:2]:
            expect(unit.locator(f'tr[data-number="{n}"]')).to_contain_text("成功")
        unit.screenshot(path=str(screenshots / "inbox-bulk-sign-results.png"), full_page=True)
        unit.get_by_role("link", name="返回列表").click()
        expect(unit.locator("#i-to_sign tbody tr")).to_have_count(1)
        expect(unit.locator("#i-in_progress")).to_contain_text(numbers[0])
    finally:
        with dbmod.session_scope() as s:
            s.execute(delete(SavedView).where(SavedView.name == "紧急路灯待派"))
