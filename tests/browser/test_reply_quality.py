"""Reply quality in the console (issue #17): the handler sees the hint while typing a perfunctory
reply; the reviewer sees the score and its reasons, is refused, overrides with a written reason;
the unit explains itself on the flag page and the supervisor clears the flag."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from hotline.org.models import Category
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

PERFUNCTORY = "您反映的问题已收悉，已转相关部门调查处理。"


def test_perfunctory_reply_from_hint_to_cleared_flag(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        t = utcnow() - timedelta(minutes=10)
        o = do_create_order(s, actor=who("operator1"), now=t, data={
            "kind": "complaint", "title": "小区门口占道经营", "content": "小区门口每天晚上有摊贩占道经营，噪音大、垃圾多，希望处理。"})
        do_action(s, order=o, actor=who("dispatcher"), action=Action.dispatch, now=t,
                  payload={"lead_unit": "dept-chengguan", "category_code": cat})
        do_action(s, order=o, actor=who("cg_handler"), action=Action.sign, now=t + timedelta(minutes=1), payload={})
        number = o.number

    # the handler types a forwarding-only reply: the hint says so before sending
    unit = _login(browser, live_server, "cg_handler")
    unit.goto(f"{live_server}/orders/{number}")
    reply = unit.get_by_role("form", name="答复", exact=True)
    reply.get_by_label("答复内容").fill(PERFUNCTORY)
    reply.get_by_label("答复内容").press("End")  # a keystroke, as a person typing
    expect(reply.locator(".reply-hint")).to_contain_text("仅称已转交，未说明办理结果")
    unit.screenshot(path=str(screenshots / "replies-1-hint.png"), full_page=True)
    reply.get_by_role("button", name="答复", exact=True).click()
    expect(unit.locator("#flash")).to_contain_text("操作成功：答复")

    # the reviewer sees the score beside the reply, is refused, then overrides with a reason
    disp = _login(browser, live_server, "dispatcher")
    disp.goto(f"{live_server}/orders/{number}")
    expect(disp.locator("#reply-quality")).to_contain_text("仅称已转交，未说明办理结果")
    form = disp.get_by_role("form", name="审核办结", exact=True)
    expect(form).to_contain_text("该答复被评为敷衍答复")
    form.get_by_role("button", name="审核办结", exact=True).click()
    expect(disp.locator("#flash .flash.error")).to_contain_text("敷衍答复")
    form.get_by_label("不采纳答复质量评分的理由").fill("已电话回访，市民确认摊贩已清理")
    form.get_by_role("button", name="说明理由后办结").click()
    expect(disp.locator(".order-head .badge").first).to_have_text("已办结待回访")
    disp.screenshot(path=str(screenshots / "replies-2-override.png"), full_page=True)

    # the unit explains itself on its flag page
    unit.goto(f"{live_server}/reply-flags")
    unit.get_by_role("link", name=number).click()
    unit.get_by_role("textbox", name="情况说明").fill("答复前已到现场清理摊点，答复时漏写了处理经过，特此说明。")
    unit.get_by_role("button", name="提交情况说明").click()
    expect(unit.locator("main")).to_contain_text("待督办员裁定")

    # the supervisor clears it
    sup = _login(browser, live_server, "supervisor")
    sup.goto(f"{live_server}/reply-flags?state=answered")
    sup.get_by_role("link", name=number).click()
    expect(sup.locator("main")).to_contain_text("答复时漏写了处理经过")
    sup.get_by_role("textbox", name="裁定意见").fill("说明属实，撤销标记")
    sup.get_by_role("button", name="撤销标记").click()
    expect(sup.locator(".page-head .badge")).to_have_text("撤销标记")
    sup.screenshot(path=str(screenshots / "replies-3-cleared.png"), full_page=True)
