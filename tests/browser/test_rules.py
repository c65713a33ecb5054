"""Issue #19 items 4 and 5 in the console: the dispatcher picks a street for street-lamp work, the
reason field appears naming the catalogue's department, the supervisor reviews the reason; the
housing bureau objects to a dispatch with its grounds, the centre sustains it and redispatches, and
the unit reads the decision."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import db as dbmod
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

STREET = "s-dongcheng-xinhua"
REASON = "该路段路灯由街道代管，街道网格员可当天到现场处置"


def test_push_down_reason_and_objection_decided(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        t = utcnow() - timedelta(minutes=10)
        data = {"kind": "complaint", "category_code": "010101", "title": "新华路路灯不亮",
                "content": "新华路与建设街路口附近五盏路灯连续一周晚上不亮，行人夜间通行不安全。"}
        a = do_create_order(s, actor=who("operator1"), now=t, data=data)
        b = do_create_order(s, actor=who("operator1"), now=t, data={**data, "title": "人民路路灯灯杆倾斜"})
        do_action(s, order=b, actor=who("dispatcher"), action=Action.dispatch, now=t,
                  payload={"lead_unit": "dept-zhujian", "category_code": "010101"})
        first, second = a.number, b.number

    # 4. the dispatcher chooses a street: the reason field appears, naming the catalogue's department
    disp = _login(browser, live_server, "dispatcher")
    disp.goto(f"{live_server}/orders/{first}")
    form = disp.get_by_role("form", name="派单", exact=True)
    expect(form.get_by_label("下沉理由")).to_have_count(0)
    form.get_by_label("主办单位").select_option(STREET)
    expect(form.locator(".pushdown-note")).to_contain_text("青阳市城市管理局")
    form.get_by_label("下沉理由").fill(REASON)
    disp.screenshot(path=str(screenshots / "rules-1-pushdown-reason.png"), full_page=True)
    form.get_by_role("button", name="派单", exact=True).click()
    expect(disp.locator("#flash")).to_contain_text("操作成功：派单")
    expect(disp.locator("body")).to_contain_text(f"下沉理由：{REASON}")

    sup = _login(browser, live_server, "supervisor")
    sup.goto(f"{live_server}/pushdowns?state=pending")
    row = sup.locator("tr", has_text=first)
    row.get_by_label("审核意见").fill("该路段路灯确由街道代管，理由成立")
    row.get_by_role("button", name="理由成立").click()
    expect(sup.locator("#flash")).to_contain_text("已审核下沉理由")
    sup.goto(f"{live_server}/pushdowns")
    expect(sup.locator("tr", has_text=first)).to_contain_text("该路段路灯确由街道代管")
    sup.goto(f"{live_server}/supervision")
    expect(sup.locator("#board-pushdowns")).to_contain_text("下沉派单（按派单员）")
    sup.screenshot(path=str(screenshots / "rules-2-board.png"), full_page=True)

    # 5. the housing bureau objects with its grounds; the centre sustains and redispatches
    zj = _login(browser, live_server, "zj_handler")
    zj.goto(f"{live_server}/orders/{second}")
    zj.locator("#objection-form summary").click()
    zj.get_by_label("异议理由").fill("路灯维修养护不属于住建局职责，本单位无维修队伍，请改派城管局。")
    zj.get_by_label("异议依据（三定规定或派单目录条目）").fill("市住建局三定方案未含城市照明；派单目录010101路灯由城管局承办")
    zj.get_by_label("建议承办单位").select_option("dept-chengguan")
    zj.get_by_role("button", name="提交派单异议").click()
    expect(zj.locator(".page-head .badge")).to_have_text("待审核")
    expect(zj.locator("#objection-facts")).to_contain_text("三定方案")
    url = zj.url

    disp.goto(url)
    disp.get_by_label("审核意见").fill("经核三定方案，城市照明属城管局职责，异议成立")
    expect(disp.get_by_label("异议成立时改派给")).to_have_value("dept-chengguan")
    disp.get_by_role("button", name="异议成立").click()
    expect(disp.locator(".page-head .badge")).to_have_text("已采纳")
    expect(disp.locator("#objection-facts")).to_contain_text("待调整派单目录")
    disp.screenshot(path=str(screenshots / "rules-3-objection-sustained.png"), full_page=True)

    zj.goto(url)
    expect(zj.locator("#decision")).to_contain_text("城市照明属城管局职责")
    disp.goto(f"{live_server}/orders/{second}")
    expect(disp.locator("table.kv").first).to_contain_text("青阳市城市管理局")
