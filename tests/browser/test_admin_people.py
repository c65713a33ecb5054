"""Issue #18 in the browser: an administrator creates a user, who then logs in, is made to choose
their own password, and reaches their console; the administrator then sees the last login and
the audit rows.  Role and label locators, waits on conditions; screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser
NEW = "browser_liqing"


def _forget(username: str) -> None:
    from sqlalchemy import delete, or_, select

    from hotline import db as dbmod
    from hotline.org.models import AuditLog, User

    with dbmod.session_scope() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        s.execute(delete(AuditLog).where(or_(AuditLog.entity_id == username, AuditLog.actor_id == uid,
                                             AuditLog.actor_label == username)))
        s.execute(delete(User).where(User.username == username))


@pytest.fixture
def cleanup() -> Iterator[None]:
    _forget(NEW)
    yield
    _forget(NEW)


def test_an_admin_creates_a_user_who_then_logs_in(live_server: str, browser: Any, screenshots: Path,
                                                   cleanup: None) -> None:
    from playwright.sync_api import expect

    admin = _login(browser, live_server, "admin")
    admin.get_by_role("link", name="管理", exact=True).click()
    admin.get_by_role("link", name="人员", exact=True).click()
    expect(admin.get_by_role("heading", name="新建人员")).to_be_visible()
    admin.get_by_label("用户名", exact=True).fill(NEW)
    admin.get_by_label("姓名", exact=True).fill("李青")
    admin.get_by_label("角色", exact=True).last.select_option("operator")
    admin.locator("#nu-unit").select_option("centre")
    admin.get_by_label("初始密码").fill("password123")  # a common one first
    admin.get_by_role("button", name="创建").click()
    expect(admin.get_by_role("alert")).to_contain_text("该密码过于常见")
    admin.get_by_label("初始密码").fill("Lamp-river-4471")
    admin.get_by_role("button", name="创建").click()
    expect(admin.get_by_role("status")).to_contain_text(f"已创建人员 {NEW}")
    expect(admin.locator("#user-state")).to_contain_text("待设置新密码")
    admin.screenshot(path=str(screenshots / "60-admin-user-created.png"), full_page=True)

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(NEW)
    page.get_by_label("密码").fill("Lamp-river-4471")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="设置新密码")).to_be_visible()
    page.goto(f"{live_server}/orders/new")  # nothing else opens before the new password
    expect(page.get_by_role("heading", name="设置新密码")).to_be_visible()
    page.screenshot(path=str(screenshots / "61-first-login-new-password.png"), full_page=True)
    page.get_by_label("当前密码").fill("Lamp-river-4471")
    page.get_by_label("新密码", exact=True).fill("Ledger-night-5820")
    page.get_by_label("确认新密码").fill("Ledger-night-5820")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("status")).to_contain_text("密码已修改")
    expect(page.get_by_role("heading", name="受理工单")).to_be_visible()  # an operator's home
    expect(page.get_by_text("李青")).to_be_visible()

    admin.reload()
    expect(admin.locator("#user-state")).to_have_text("在用")
    admin.get_by_role("link", name="审计日志").first.click()
    expect(admin.get_by_role("cell", name="user.password_change")).to_be_visible()
    expect(admin.get_by_role("cell", name="user.create")).to_be_visible()
    admin.screenshot(path=str(screenshots / "62-admin-audit.png"), full_page=True)
    ctx.close()
