"""A leader walks the city's hot matters (issue #16): opens 热点 from the navigation, sees the matters
ranked and the systemic problems apart, opens one, reads its orders, chart and history, and marks it
handled with a note.  Role and label locators, waits on conditions; screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

MIXER = [("丽发新城旁边搅拌站噪音扰民", "丽发新城小区旁边的搅拌站每天早上六点开始轰鸣，灰尘很大，严重影响居民休息。"),
         ("投诉丽发新城附近搅拌站噪音", "丽发新城小区附近的搅拌站日夜施工，噪音和扬尘污染严重，请尽快处理搅拌站。"),
         ("丽发新城搅拌站彻夜扰民", "我住丽发新城小区对面，小区旁的搅拌站彻夜运转，噪音扬尘，老人小孩无法休息。")]


def _seed() -> tuple[int, str, list[str]]:
    """Three callers about one mixing plant, street lights out in six communities, one re-grouping."""
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.hotspots.models import HotMatter, HotMatterOrder
    from hotline.hotspots.refresh import refresh
    from hotline.orders.actor import Actor
    from hotline.orders.flows import do_create_order
    from hotline.orders.models import Order
    from hotline.org.models import Unit, User

    with dbmod.session_scope() as s:
        op = Actor.of(s.scalar(select(User).where(User.username == "operator1")))
        numbers = [do_create_order(s, actor=op, data={
            "kind": "complaint", "title": t, "content": c, "citizen_name": f"市民{k}", "citizen_phone": f"1396600{k:04d}",
            "address": f"青阳市丽发路{k}号", "channel": "phone"}).number for k, (t, c) in enumerate(MIXER)]
        for k, u in enumerate(s.scalars(select(Unit).where(Unit.type == "community").order_by(Unit.code).limit(6))):
            do_create_order(s, actor=op, data={
                "kind": "complaint", "title": f"{u.name}路灯不亮", "category_code": "010101", "territory_code": u.code,
                "content": f"{u.name}主干道的路灯坏了好几天，晚上一片漆黑，请尽快修复路灯。", "channel": "phone",
                "citizen_name": f"居民{k}", "citizen_phone": f"1377700{k:04d}", "address": f"青阳市{u.name}"})
        s.flush()
        refresh(s, now=dbmod.utcnow())
        s.flush()
        m = s.scalar(select(HotMatter).join(HotMatterOrder, HotMatterOrder.hot_matter_id == HotMatter.id)
                     .join(Order, Order.id == HotMatterOrder.order_id).where(Order.number == numbers[0]))
        assert m is not None
        return m.id, m.name, numbers


def test_a_leader_opens_a_hot_matter_and_marks_it_handled(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    mid, name, numbers = _seed()
    page = _login(browser, live_server, "leader")
    page.get_by_role("navigation").get_by_role("link", name="热点", exact=True).click()
    expect(page.get_by_role("heading", name="热点与共性问题")).to_be_visible()
    table = page.locator("#hot-matters")
    expect(table).to_contain_text(name)
    systemic = page.locator("#systemic-problems")
    expect(systemic).to_contain_text("路灯")
    expect(systemic).to_contain_text("6个地点")
    page.screenshot(path=str(screenshots / "70-hotspots.png"), full_page=True)

    table.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    orders = page.locator("#hot-orders")
    for n in numbers:
        expect(orders.get_by_role("link", name=n)).to_be_visible()
    expect(page.locator("#c-hot-daily canvas")).to_have_count(1)  # the volume-by-day chart was drawn
    expect(page.locator("#hot-history")).to_contain_text("形成")
    expect(page.locator("#hot-state")).to_have_text("未处理")

    form = page.locator("#handled-form")
    form.get_by_label("处理说明").fill("已责令搅拌站夜间停工并加装降尘设施，城管每日巡查")
    form.get_by_role("button", name="标记为已处理").click()
    expect(page.locator("#flash")).to_contain_text("已标记为已处理")
    expect(page.locator("#hot-state")).to_have_text("已处理")
    expect(page.locator("#hot-handled")).to_contain_text("已责令搅拌站夜间停工")
    history = page.locator("#hot-history")
    expect(history).to_contain_text("标记已处理")
    expect(history).to_contain_text("(leader)")
    page.screenshot(path=str(screenshots / "71-hot-matter-handled.png"), full_page=True)
    assert page.url.endswith(f"/hotspots/{mid}")
