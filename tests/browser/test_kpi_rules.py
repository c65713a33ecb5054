"""Issue #18 item 5 in the browser: an administrator switches the exclusion rule 申诉采纳的评价不计入 off on
KPI设置, with a reason; /kpi's 满意率 then counts the evaluation the unit had won on appeal, and the
ranking names the new 口径版本 and prints the rule as switched off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser




def test_switching_an_exclusion_rule_off_changes_the_satisfaction_rate(live_server: str, browser: Any,
                                                                       screenshots: Path, forget_settings_audit: None) -> None:
    from playwright.sync_api import expect

    from hotline.callbacks.models import Evaluation
    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import Unit, User

    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        cg = s.scalar(select(Unit.id).where(Unit.code == "dept-chengguan"))
        t = utcnow() - timedelta(hours=2)
        for i, (sat, excluded) in enumerate((("satisfied", None), ("dissatisfied", "appeal"))):
            data = {"kind": "complaint", "category_code": "010101", "title": f"新华路路灯不亮{i}",
                    "content": "新华路与建设街路口附近五盏路灯连续一周晚上不亮，行人夜间通行不安全。"}
            order = do_create_order(s, actor=who("operator1"), now=t, data=data)
            do_action(s, order=order, actor=who("dispatcher"), action=Action.dispatch, now=t,
                      payload={"lead_unit": "dept-chengguan", "category_code": "010101"})
            # the callback's evaluation; the second one the unit won on appeal (申诉已采纳)
            s.add(Evaluation(order_id=order.id, unit_id=cg, at=t + timedelta(minutes=30), channel="phone",
                             solved=sat == "satisfied", satisfaction=sat, excluded_reason=excluded))

    today = utcnow().date()
    qs = f"kind=custom&from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    admin = _login(browser, live_server, "admin")
    admin.goto(f"{live_server}/kpi?{qs}")
    total = admin.locator("p span[data-rate='satisfaction']").first
    expect(total).to_have_text("100.00%")
    expect(admin.get_by_test_id("caliber-version")).to_contain_text("v0")
    expect(admin.locator("#kpi-caliber")).to_contain_text("不计入：申诉已采纳的评价：不计入")

    admin.goto(f"{live_server}/admin/settings/kpi")
    rule = admin.get_by_label("申诉采纳的评价不计入")
    expect(rule).to_be_checked()
    rule.uncheck()
    admin.get_by_label("修改原因").fill("市考核办通知：申诉评价一并计入满意率")
    admin.get_by_role("button", name="保存为新版本").click()
    expect(admin.get_by_role("status")).to_contain_text("已保存KPI设置第1版")
    expect(admin.get_by_label("申诉采纳的评价不计入")).not_to_be_checked()
    admin.screenshot(path=str(screenshots / "kpi-rules-1-settings.png"), full_page=True)

    admin.goto(f"{live_server}/kpi?{qs}")
    expect(admin.locator("p span[data-rate='satisfaction']").first).to_have_text("50.00%")
    expect(admin.get_by_test_id("caliber-version")).to_contain_text("v1")
    expect(admin.get_by_test_id("rule-off")).to_contain_text("申诉已采纳的评价")
    admin.screenshot(path=str(screenshots / "kpi-rules-2-ranking.png"), full_page=True)

    admin.goto(f"{live_server}/admin/settings/kpi/versions")
    expect(admin.locator("body")).to_contain_text("市考核办通知：申诉评价一并计入满意率")
