"""转办 between cities in the browser (issue #13 item 4): 青阳市's dispatcher transfers an order to
西河县, 西河县's dispatcher returns it, it is sent again and accepted; both timelines and the citizen's
track page are read as people see them.  Also the province's overview as its leader sees it.
Role and label locators, waits on conditions, no fixed sleeps; screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

PHONE = "13955556666"
WAIT = 60_000  # a cap, not a wait: the first request acting as the county builds its calendar


def _forget(city_ids: list[int]) -> None:
    """Remove what the test committed for these cities (every city-owned row, then the city)."""
    from sqlalchemy import delete

    from hotline import db as dbmod
    from hotline.city.models import City
    from hotline.city.tenancy import forget_home
    from hotline.db import Base

    with dbmod.get_engine().begin() as c:
        for table in reversed(Base.metadata.sorted_tables):
            if "city_id" in table.c:
                c.execute(delete(table).where(table.c.city_id.in_(city_ids)))
        c.execute(delete(City.__table__).where(City.id.in_(city_ids)))
    forget_home()


@pytest.fixture
def county(committed: None) -> Iterator[Any]:
    """西河县 (and the province's office) committed beside the demo city, removed afterwards."""
    from hotline import db as dbmod
    from hotline.city.tenancy import acting_as
    from hotline.demo.seed import COUNTY_FILE, PROVINCE_USERS, ensure_unit_accounts
    from hotline.org.cities import add_city, ensure_province

    with dbmod.session_scope() as s:
        row = add_city(s, COUNTY_FILE)
        with acting_as(row):
            ensure_unit_accounts(s)
        prov = ensure_province(s, users=PROVINCE_USERS)
        s.flush()
        ids = [row.id, prov.id]
    try:
        yield ids
    finally:
        from tests.conftest import _wipe_orders

        _wipe_orders()
        _forget(ids)


def _order() -> str:
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.org.models import User

    with dbmod.session_scope() as s:
        op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
        return do_create_order(s, actor=op, data={
            "kind": "help", "title": "沙河村桥头路灯不亮", "content": "沙河村桥头的路灯坏了一周，晚上路过很危险，请尽快修复。",
            "citizen_name": "赵敏", "citizen_phone": PHONE, "address": "西河县沙河镇沙河村桥头", "channel": "phone"}).number


def _transfer(page: Any, base: str, number: str, reason: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/orders/{number}")
    page.locator("details.more-actions summary").click()  # 转办 is not a new order's likely next step
    form = page.get_by_role("form", name="转办", exact=True)
    form.get_by_label("转办至城市").select_option(label="西河县")
    form.get_by_label("转办理由").fill(reason)
    form.get_by_role("button", name="转办", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("操作成功：转办", timeout=WAIT)
    expect(page.locator(".order-head .badge").first).to_have_text("已转办待接收")


def _incoming(page: Any, base: str) -> str:
    """The newest pending transfer in 西河县's queue: opened from the queue, its number returned."""
    from playwright.sync_api import expect

    page.goto(f"{base}/queue")
    section = page.locator("#q-transfers")
    expect(section.get_by_role("heading", name="转办待接收（1）")).to_be_visible(timeout=WAIT)
    link = section.get_by_role("link").first
    number = link.inner_text()
    link.click()
    expect(page.locator(".order-head .badge").first).to_have_text("转办待接收")
    return number


def test_a_transfer_goes_to_the_county_back_and_again(live_server: str, browser: Any, county: list[int],
                                                      screenshots: Path) -> None:
    from playwright.sync_api import expect

    n = _order()
    qy = _login(browser, live_server, "dispatcher")
    _transfer(qy, live_server, n, "事发地沙河村属西河县辖区，请西河县热线办理")
    expect(qy.locator("#transfers-panel")).to_contain_text("待接收", timeout=WAIT)
    qy.screenshot(path=str(screenshots / "60-transfer-sent.png"), full_page=True)

    xh = _login(browser, live_server, "xh_dispatcher")
    first = _incoming(xh, live_server)
    assert first.startswith("XH")
    xh.screenshot(path=str(screenshots / "61-transfer-incoming.png"), full_page=True)
    form = xh.get_by_role("form", name="退回转办")
    form.get_by_label("退回理由").fill("经核实该路段属青阳市管辖，退回青阳市办理")
    form.get_by_role("button", name="退回转办").click()
    expect(xh.locator("#flash")).to_contain_text("操作成功：退回转办", timeout=WAIT)
    expect(xh.locator(".order-head .badge").first).to_have_text("转办已退回")

    qy.goto(f"{live_server}/orders/{n}")
    expect(qy.locator(".order-head .badge").first).to_have_text("待派单")
    timeline = qy.get_by_role("list", name="办理过程")
    expect(timeline).to_contain_text("对方退回转办")
    expect(timeline).to_contain_text("经核实该路段属青阳市管辖，退回青阳市办理")
    expect(timeline).to_contain_text("西河县·")
    expect(qy.locator("#transfers-panel")).to_contain_text("已退回")
    qy.screenshot(path=str(screenshots / "62-transfer-returned.png"), full_page=True)

    _transfer(qy, live_server, n, "已与西河县热线沟通确认，再次转办")
    second = _incoming(xh, live_server)
    assert second != first
    form = xh.get_by_role("form", name="接收转办")
    form.get_by_label("接收意见").fill("属本县辖区，接收办理")
    form.get_by_role("button", name="接收转办").click()
    expect(xh.locator("#flash")).to_contain_text("操作成功：接收转办", timeout=WAIT)
    expect(xh.locator(".order-head .badge").first).to_have_text("待派单")
    theirs = xh.get_by_role("list", name="办理过程")
    expect(theirs).to_contain_text("青阳市·")
    expect(theirs).to_contain_text("接收转办")
    expect(xh.locator("#transfers-panel")).to_contain_text(n)
    xh.screenshot(path=str(screenshots / "63-transfer-accepted-county.png"), full_page=True)

    qy.goto(f"{live_server}/orders/{n}")
    expect(qy.locator(".order-head .badge").first).to_have_text("已转出")
    mine = qy.get_by_role("list", name="办理过程")
    expect(mine).to_contain_text("对方接收转办")
    expect(mine).to_contain_text("属本县辖区，接收办理")
    expect(qy.locator("#transfers-panel")).to_contain_text(second)
    qy.screenshot(path=str(screenshots / "64-transfer-accepted-city.png"), full_page=True)

    citizen = browser.new_context(locale="zh-CN").new_page()
    citizen.goto(f"{live_server}/portal/track")
    citizen.get_by_label("工单编号").fill(n)
    citizen.get_by_label("提交诉求时填写的手机号码").fill(PHONE)
    citizen.get_by_role("button", name="查询").click()
    expect(citizen.locator("#citizen-status")).to_have_text("已转至其他城市热线办理")
    expect(citizen.locator("#citizen-transfer")).to_contain_text(second)
    expect(citizen.locator("#citizen-transfer")).to_contain_text("西河县12345")
    citizen.screenshot(path=str(screenshots / "65-transfer-citizen-track.png"), full_page=True)


def test_the_province_overview_as_its_leader_sees_it(live_server: str, browser: Any, county: list[int],
                                                     screenshots: Path) -> None:
    from playwright.sync_api import expect

    n = _order()
    qy = _login(browser, live_server, "dispatcher")
    _transfer(qy, live_server, n, "事发地沙河村属西河县辖区，请西河县热线办理")
    page = _login(browser, live_server, "province_leader")
    page.goto(f"{live_server}/province")
    expect(page.get_by_role("heading", name="全省概览")).to_be_visible()
    cities = page.locator("#province-cities tbody tr")
    expect(cities).to_have_count(2)
    expect(page.locator("#province-cities")).to_contain_text("青阳市")
    expect(page.locator("#province-cities")).to_contain_text("西河县")
    expect(page.locator("#province-transfers")).to_contain_text(n)
    expect(page.locator("#province-transfers")).to_contain_text("待接收")
    expect(page.get_by_text("只读：省级账号查看各市数据，不能修改")).to_be_visible()
    page.screenshot(path=str(screenshots / "66-province-overview.png"), full_page=True)
