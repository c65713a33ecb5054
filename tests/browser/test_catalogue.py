"""Issue #18 in the browser: an administrator changes a dispatch catalogue entry, and the routing
suggestion of the intake assistant changes at once (POST /orders/new/suggest).  Role and label
locators, waits on conditions; screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser
TITLE = "新华路路灯不亮"
CONTENT = "新华路88号门口的路灯已经坏了一个多星期，晚上一片漆黑，请尽快维修。"


def _forget() -> None:
    from sqlalchemy import delete

    from hotline import db as dbmod
    from hotline.org.models import AuditLog
    from hotline.routing.service import forget_catalogue

    with dbmod.session_scope() as s:
        s.execute(delete(AuditLog).where(AuditLog.entity == "catalogue"))
    forget_catalogue()


@pytest.fixture
def cleanup() -> Iterator[None]:
    _forget()
    yield
    _forget()  # the versions themselves go with ``committed`` (tests/conftest.py)


def _suggested_lead(page: Any, live_server: str) -> Any:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/orders/new")
    page.locator("#f-title").fill(TITLE)
    page.locator("#f-content").fill(CONTENT)
    units = page.locator("#suggestions").get_by_role("heading", name="推荐承办单位").locator("xpath=following-sibling::ol[1]")
    expect(units.locator("li").first).to_be_visible()
    return units.locator("li").first


def test_an_admin_changes_an_entry_and_the_suggestion_follows(live_server: str, browser: Any, screenshots: Path,
                                                               cleanup: None) -> None:
    from playwright.sync_api import expect

    op = _login(browser, live_server, "operator1")
    expect(_suggested_lead(op, live_server)).to_contain_text("青阳市城市管理局")

    admin = _login(browser, live_server, "admin")
    admin.get_by_role("link", name="管理", exact=True).click()
    admin.get_by_role("link", name="派单目录与分类", exact=True).click()
    expect(admin.get_by_role("heading", name="保存目录条目")).to_be_visible()
    admin.get_by_label("分类", exact=True).select_option("010101")
    admin.get_by_label("主办单位", exact=True).select_option("dept-zhujian")
    admin.get_by_label("协办单位（可多选）").select_option(["dept-chengguan"])
    admin.get_by_label("修改原因").fill("2027年三定方案：路灯移交住建局")
    admin.get_by_role("button", name="保存为新版本").click()
    expect(admin.get_by_role("status")).to_contain_text("已保存为第1版")
    expect(admin.locator("#cat-entry-table")).to_contain_text("青阳市住房和城乡建设局")
    admin.screenshot(path=str(screenshots / "70-catalogue-entry-saved.png"), full_page=True)

    lead = _suggested_lead(op, live_server)
    expect(lead).to_contain_text("青阳市住房和城乡建设局")
    expect(lead).to_contain_text("派单目录第1版")
    expect(op.locator("#suggestions")).to_contain_text("推荐协办单位")
    op.screenshot(path=str(screenshots / "71-catalogue-suggestion-changed.png"), full_page=True)

    # the versions page shows who and why, and the readable diff
    admin.get_by_role("link", name="版本", exact=True).click()
    expect(admin.get_by_role("cell", name="修改：2027年三定方案：路灯移交住建局")).to_be_visible()
    admin.get_by_role("link", name="与上一版比较").click()
    expect(admin.locator("section[aria-labelledby=diff-entries]")).to_contain_text("城乡建设/市政设施/路灯（全市）→ 青阳市住房和城乡建设局")
    admin.screenshot(path=str(screenshots / "72-catalogue-diff.png"), full_page=True)
    # the taxonomy screen (audited like every page the test loads)
    admin.goto(f"{live_server}/admin/catalogue/categories?edit=010101")
    expect(admin.get_by_role("heading", name="修改分类 010101")).to_be_visible()
    expect(admin.get_by_label("名称", exact=True).first).to_have_value("路灯")
    op.context.close()
    admin.context.close()
