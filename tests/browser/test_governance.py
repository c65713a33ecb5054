"""每月一题 in the browser (issue #16 item 4): a leader opens a hot matter, clicks 设为每月一题, fills the form
(owner unit, deadline, goal), lands on the project with its before/after chart drawn, and adds a progress note;
the owner unit's handler finds it under 每月一题 in the navigation, records a 未诉先办 task done, reads the
project and writes progress too.
axe-core audits every page (tests/browser/conftest.py); screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_hotspots import _seed
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _owner() -> str:
    """The owner unit's name, and a 未诉先办 task of that unit whose window opens in ten days."""
    from datetime import timedelta

    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.governance.models import ProactiveTask
    from hotline.org.models import Unit

    with dbmod.session_scope() as s:
        unit = s.scalar(select(Unit).where(Unit.code == "dept-chengguan"))
        assert unit is not None
        now = dbmod.utcnow()
        s.add(ProactiveTask(key="010104|0|browser", category_code="010104", unit_id=unit.id, title="全市汛期积水内涝",
                            window_start=now + timedelta(days=10), window_end=now + timedelta(days=41), predicted=12,
                            years=2, created_at=now))
        return unit.name


def _nav_link(page: Any, name: str) -> Any:
    nav = page.get_by_role("navigation")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():  # past the top bar's seven items it sits under 更多 (hotline.web.nav)
        nav.locator("summary", has_text="更多").click()
    return link


def test_a_leader_makes_a_hot_matter_the_months_topic_and_the_unit_sees_it(live_server: str, browser: Any,
                                                                          screenshots: Path) -> None:
    from playwright.sync_api import expect

    mid, name, _numbers = _seed()
    owner = _owner()
    page = _login(browser, live_server, "leader")
    page.goto(f"{live_server}/hotspots/{mid}")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    page.get_by_role("link", name="设为每月一题").click()
    expect(page.get_by_role("heading", name="设为每月一题", level=1)).to_be_visible()
    form = page.locator("#gov-new-form")
    expect(form.get_by_label("题目")).to_have_value(name)
    expect(page.locator("#gov-source")).to_contain_text(name)
    form.get_by_label("责任单位").select_option(label=owner)
    form.get_by_label("治理目标").fill("一个月内查清搅拌站噪音扬尘来源，完成整改，同类投诉下降一半")
    page.screenshot(path=str(screenshots / "90-governance-new.png"), full_page=True)
    form.get_by_role("button", name="设为每月一题").click()

    expect(page.locator("#flash")).to_contain_text("已设为每月一题")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator("#gov-state")).to_have_text("进行中")
    expect(page.locator("#gov-owner")).to_have_text(owner)
    expect(page.locator("#c-gov-volume canvas")).to_have_count(1)  # the before/after chart was drawn
    expect(page.locator("#gov-orders")).to_contain_text(_numbers[0])
    page.get_by_label("填写进展").fill("已约谈搅拌站负责人，限期加装降噪设施")
    page.get_by_role("button", name="添加进展").click()
    expect(page.locator("#flash")).to_contain_text("已添加进展")
    expect(page.locator("#gov-notes")).to_contain_text("已约谈搅拌站负责人")
    page.screenshot(path=str(screenshots / "91-governance-project.png"), full_page=True)
    project_url = page.url
    page.get_by_role("link", name="返回每月一题").click()  # the leader's list: the topic, the candidates
    expect(page.locator("#gov-current")).to_contain_text(name)
    candidates = page.locator("#gov-candidates")
    expect(candidates).to_contain_text("路灯")  # the systemic problem, offered as a topic
    expect(candidates.locator("li", has_text=name).get_by_role("link", name="查看每月一题")).to_have_attribute(
        "href", project_url.removeprefix(live_server))  # the matter already taken is not offered again
    page.screenshot(path=str(screenshots / "91-governance-list-leader.png"), full_page=True)

    unit = _login(browser, live_server, "cg_handler")
    _nav_link(unit, "每月一题").click()
    expect(unit.get_by_role("heading", name="每月一题与未诉先办", level=1)).to_be_visible()
    current = unit.locator("#gov-current")
    expect(current).to_contain_text(owner)
    task = unit.locator("#gov-tasks tbody tr", has_text="全市汛期积水内涝")
    expect(task.locator(".task-state")).to_have_text("待处理")
    task.get_by_label("已采取的措施（全市汛期积水内涝）").fill("汛前已清淤主干道排水管网，备好抽水泵")
    task.get_by_role("button", name="记录办结").click()
    expect(unit.locator("#flash")).to_contain_text("已办结")
    task = unit.locator("#gov-tasks tbody tr", has_text="全市汛期积水内涝")
    expect(task.locator(".task-state")).to_have_text("已办")
    expect(task).to_contain_text("汛前已清淤主干道排水管网")
    unit.screenshot(path=str(screenshots / "92-governance-list-unit.png"), full_page=True)
    current = unit.locator("#gov-current")
    current.get_by_role("link", name=name).click()
    assert unit.url == project_url
    expect(unit.locator("#gov-goal")).to_contain_text("搅拌站噪音扬尘")
    expect(unit.locator("#gov-notes")).to_contain_text("已约谈搅拌站负责人")
    expect(unit.locator("#complete-form")).to_have_count(0)  # the centre completes, not the unit
    unit.get_by_label("填写进展").fill("降噪设施已安装，夜间停止作业")
    unit.get_by_role("button", name="添加进展").click()
    expect(unit.locator("#gov-notes")).to_contain_text("降噪设施已安装")
    unit.screenshot(path=str(screenshots / "93-governance-unit-note.png"), full_page=True)
