"""Issue #18 in the browser: an administrator adds next year's holidays and sees an order's deadline
move.  An order's clock starts on 30 December 2026, so its 3 working days run into 2027, which the
installed chinese-calendar does not know (the demo guesses Monday–Friday and flags the deadline).
The administrator enters 1 January 2027 as a holiday on 节假日, sees the order among the open orders
whose deadline would change, recomputes, and the order page shows the later deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser
SH = ZoneInfo("Asia/Shanghai")




def test_adding_next_years_holidays_moves_an_open_orders_deadline(live_server: str, browser: Any,
                                                                  screenshots: Path, forget_settings_audit: None) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import User
    from hotline.sla import service as sla

    start = datetime(2026, 12, 30, 10, 0, tzinfo=SH)
    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        t = utcnow() - timedelta(minutes=10)
        data = {"kind": "complaint", "category_code": "010101", "title": "新华路路灯不亮",
                "content": "新华路与建设街路口附近五盏路灯连续一周晚上不亮，行人夜间通行不安全。"}
        order = do_create_order(s, actor=who("operator1"), now=t, data=data)
        do_action(s, order=order, actor=who("dispatcher"), action=Action.dispatch, now=t,
                  payload={"lead_unit": "dept-chengguan", "category_code": "010101"})
        d = sla.deadlines_for(order, start=start)  # as if dispatched on 30 December
        order.clock_started_at, order.sign_due_at, order.reply_due_at, order.due_at = (
            start, d.sign_due_at, d.reply_due_at, d.complete_due_at)
        order.deadline_uncertain = d.uncertain
        number = order.number
    assert d.complete_due_at.astimezone(SH).date().isoformat() == "2027-01-04"

    admin = _login(browser, live_server, "admin")
    admin.goto(f"{live_server}/orders/{number}")
    due_row = admin.locator("tr", has_text="办结时限").first
    expect(due_row).to_contain_text("2027-01-04")
    expect(due_row).to_contain_text("节假日数据缺失")

    admin.get_by_role("link", name="管理", exact=True).click()
    admin.get_by_role("rowgroup").get_by_role("link", name="节假日", exact=True).click()
    expect(admin.get_by_role("heading", name="节假日", exact=True)).to_be_visible()
    admin.goto(f"{live_server}/admin/settings/calendar?year=2027")
    expect(admin.get_by_role("heading", name="录入放假调休 · 2027")).to_be_visible()
    admin.get_by_label("放假日期（工作日放假）").fill("2027-01-01\n2027-02-10~2027-02-16")
    admin.get_by_label("调休上班日期（周末上班）").fill("2027-02-20")
    admin.get_by_label("修改原因").fill("国务院办公厅关于2027年部分节假日安排的通知")
    admin.get_by_role("button", name="保存为新版本").click()
    expect(admin.get_by_role("status")).to_contain_text("已保存2027年节假日")
    effect = admin.locator("#effect-card")
    expect(effect.locator("tr", has_text=number)).to_contain_text("2027-01-05")
    admin.screenshot(path=str(screenshots / "settings-1-holidays-effect.png"), full_page=True)
    effect.get_by_role("button", name="重新计算这些工单的期限").click()
    expect(admin.get_by_role("status")).to_contain_text("已重新计算")

    admin.goto(f"{live_server}/orders/{number}")
    due_row = admin.locator("tr", has_text="办结时限").first
    expect(due_row).to_contain_text("2027-01-05")
    expect(due_row).not_to_contain_text("节假日数据缺失")
    expect(admin.locator("body")).to_contain_text("时限设置第1版：重新计算期限")
    admin.screenshot(path=str(screenshots / "settings-2-order-deadline-moved.png"), full_page=True)

    admin.goto(f"{live_server}/admin/settings/sla/versions")
    expect(admin.locator("body")).to_contain_text("国务院办公厅关于2027年部分节假日安排的通知")
    admin.goto(f"{live_server}/admin/settings/sla/versions?a=0&b=1")
    expect(admin.get_by_test_id("diff")).to_contain_text("calendar.extra_holidays")
    for path, heading in (("/admin/settings/sla", "时限策略"), ("/admin/settings/kpi", "综合得分权重与计分规则")):
        admin.goto(f"{live_server}{path}")  # every screen passes the accessibility audit
        expect(admin.get_by_role("heading", name=heading)).to_be_visible()


def test_the_administrator_rolls_the_grouping_threshold_back_in_the_settings_history(
        live_server: str, browser: Any, screenshots: Path, forget_settings_audit: None) -> None:
    """Issue #16 item 1 follow-up: from 管理 to the grouping threshold's versions (the learned one with its
    counts), compare, roll back to the first learned version with a reason; /hotspots then says so."""
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.hotspots import tuning

    with dbmod.session_scope() as s:
        now = utcnow() - timedelta(minutes=5)
        tuning.record(s, tuning.Choice(0.55, 0.50, 6, 12), now=now)
        tuning.record(s, tuning.Choice(0.50, 0.45, 8, 12), now=now + timedelta(minutes=1))

    admin = _login(browser, live_server, "admin")
    admin.get_by_role("link", name="管理", exact=True).click()
    admin.get_by_role("link", name="热点分组阈值版本", exact=True).click()
    expect(admin.get_by_role("heading", name="版本历史 · 热点分组阈值")).to_be_visible()
    learned = admin.locator("tr", has_text="0.55：由 18 条更正学得（相同 6、不同 12）")
    expect(learned).to_contain_text("系统")
    admin.get_by_label("旧版本").fill("1")
    admin.get_by_label("新版本").fill("2")
    admin.get_by_role("button", name="比较", exact=True).click()
    expect(admin.get_by_test_id("diff")).to_contain_text("threshold")
    learned = admin.locator("tr", has_text="0.55：由 18 条更正学得（相同 6、不同 12）")
    learned.get_by_label("回滚原因 v1").fill("0.50 把不同的事并在了一起")
    learned.get_by_role("button", name="回滚到此版本").click()
    expect(admin.get_by_role("status")).to_contain_text("已回滚到第1版（新版本第3版）")
    expect(admin.get_by_test_id("ver-3")).to_have_text("0.55：回滚到第1版")
    admin.screenshot(path=str(screenshots / "settings-3-threshold-rolled-back.png"), full_page=True)
    admin.goto(f"{live_server}/hotspots")
    expect(admin.locator("#hot-threshold")).to_contain_text("分组阈值 0.55（管理员回滚到第1版，默认 0.60）")
