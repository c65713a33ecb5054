"""In the browser: a callback agent records a callback, a dissatisfied one is reviewed and reopened,
and a leader's dashboard draws its charts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _completed_order(title: str, phone: str) -> str:
    """An order completed three hours ago through the real flows, so its callback is due now."""
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import Category, User

    t = utcnow() - timedelta(hours=3)
    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        o = do_create_order(s, actor=who("operator1"), now=t, data={
            "kind": "complaint", "title": title, "content": f"{title}，已经好几天了，请尽快处理。",
            "citizen_name": "张伟", "citizen_phone": phone})
        steps = [("dispatcher", Action.dispatch, {"lead_unit": "dept-chengguan", "category_code": cat}),
                 ("cg_handler", Action.sign, {}),
                 ("cg_handler", Action.reply, {"content": "已安排人员现场处理完毕，并将加强日常巡查。"}),
                 ("dispatcher", Action.complete, {})]
        for i, (user, action, payload) in enumerate(steps):
            do_action(s, order=o, actor=who(user), action=action, payload=payload, now=t + timedelta(minutes=i + 1))
        return o.number


def test_callback_agent_reviewer_and_leader(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    happy = _completed_order("小区门口路灯不亮", "13800001111")
    unhappy = _completed_order("菜市场门口占道经营", "13800002222")

    agent = _login(browser, live_server, "callback1")
    agent.goto(f"{live_server}/callbacks")
    form = agent.get_by_role("form", name=f"登记 {happy}")
    form.get_by_label("是否解决").select_option("true")
    form.get_by_label("满意度").select_option("satisfied")
    form.get_by_role("button", name="提交").click()
    expect(agent.get_by_role("form", name=f"登记 {happy}")).to_have_count(0)
    form = agent.get_by_role("form", name=f"登记 {unhappy}")
    form.get_by_label("是否解决").select_option("false")
    form.get_by_label("满意度").select_option("dissatisfied")
    form.get_by_label("备注", exact=True).fill("摊贩晚上还在")
    form.get_by_role("button", name="提交").click()
    agent.screenshot(path=str(screenshots / "20-callbacks.png"), full_page=True)
    agent.goto(f"{live_server}/orders/{happy}")
    expect(agent.locator("main")).to_contain_text("已归档")

    reviewer = _login(browser, live_server, "dispatcher")
    reviewer.goto(f"{live_server}/callbacks")
    review = reviewer.get_by_role("form", name=f"审核 {unhappy}")
    review.get_by_label("理由").fill("回访不满意，摊贩仍在经营，发回重办")
    review.get_by_role("button", name="重办").click()
    reviewer.goto(f"{live_server}/orders/{unhappy}")
    expect(reviewer.locator("main")).to_contain_text("待签收")
    reviewer.screenshot(path=str(screenshots / "21-reopened.png"), full_page=True)

    leader = _login(browser, live_server, "leader")
    leader.goto(f"{live_server}/dashboard")
    expect(leader.locator("canvas").first).to_be_visible()  # ECharts drew (vendored, no CDN)
    assert leader.locator("canvas").count() >= 4
    leader.screenshot(path=str(screenshots / "22-dashboard.png"), full_page=True)
    leader.goto(f"{live_server}/supervision")
    expect(leader.locator("main")).to_contain_text("督办看板")
