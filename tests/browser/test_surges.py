"""A leader walks a surge alert (issue #16 item 3): sees it on the dashboard's panel, opens it, reads the
chart of observed against expected and opens an order behind it; a supervisor finds it on the supervisor
board and acknowledges it with a note.  Screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _seed() -> tuple[int, str, list[str]]:
    """The demo's history and its 停水 burst (hotline/demo/surges.py), detected."""
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.city.loader import load_city
    from hotline.demo.surges import seed_history, seed_surge
    from hotline.orders.models import Order
    from hotline.surges.models import SurgeAlert

    with dbmod.session_scope() as s:
        city = load_city(None)
        seed_history(s, city, now=dbmod.utcnow())
        seed_surge(s, city, now=dbmod.utcnow())
        s.flush()
        a = s.scalar(select(SurgeAlert).order_by(SurgeAlert.day.desc()).limit(1))
        assert a is not None
        numbers = list(s.scalars(select(Order.number).where(Order.id.in_(a.order_ids))))
        return a.id, a.name, numbers


def test_a_leader_walks_a_surge_and_a_supervisor_acknowledges_it(live_server: str, browser: Any,
                                                                 screenshots: Path) -> None:
    from playwright.sync_api import expect

    aid, name, numbers = _seed()
    page = _login(browser, live_server, "leader")
    page.goto(f"{live_server}/dashboard")
    panel = page.locator("#surge-panel")
    expect(panel).to_contain_text(name)
    page.screenshot(path=str(screenshots / "80-dashboard-surge-panel.png"), full_page=True)
    panel.locator(f"a[href=\"/surges/{aid}\"]").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator("#surge-state")).to_have_text("待处理")
    expect(page.locator("#c-surge canvas")).to_have_count(1)  # observed against expected was drawn
    orders = page.locator("#surge-orders")
    for n in numbers:
        expect(orders.get_by_role("link", name=n)).to_be_visible()
    page.screenshot(path=str(screenshots / "81-surge-detail.png"), full_page=True)
    orders.get_by_role("link", name=numbers[0]).click()
    expect(page.get_by_text(numbers[0]).first).to_be_visible()
    assert f"/orders/{numbers[0]}" in page.url
    expect(page.locator("body")).to_contain_text("停水")

    sup = _login(browser, live_server, "supervisor")
    sup.goto(f"{live_server}/supervision")
    board = sup.locator("#surge-panel")
    expect(board).to_contain_text(name)
    board.locator(f"a[href=\"/surges/{aid}\"]").click()
    form = sup.locator("#decide-form")
    form.get_by_label("处理说明").fill("已通知水务集团抢修，文昌街道设临时供水点")
    form.get_by_role("button", name="确认预警").click()
    expect(sup.locator("#flash")).to_contain_text("已确认")
    expect(sup.locator("#surge-state")).to_have_text("已确认")
    expect(sup.locator("#surge-decision")).to_contain_text("已通知水务集团抢修")
    expect(sup.locator("#decide-form")).to_have_count(0)
    sup.screenshot(path=str(screenshots / "82-surge-acknowledged.png"), full_page=True)
    assert sup.url.endswith(f"/surges/{aid}")
