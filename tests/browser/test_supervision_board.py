"""A supervisor on the board with more overdue orders than it lists: the count of all, the most overdue first,
显示全部 in the browser (issue #20 item 7: the board lists the first ``BOARD_LIST``); axe audits both pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login


def _overdue_orders(n: int) -> list[str]:
    """``n`` orders dispatched through the real flows, their deadlines passed (the first the most overdue)."""
    from sqlalchemy import select

    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.orders.actor import Actor
    from hotline.orders.enums import Action
    from hotline.orders.flows import do_action, do_create_order
    from hotline.orders.models import Order
    from hotline.org.models import Category, User

    now, numbers = utcnow(), []
    with dbmod.session_scope() as s:
        def who(name: str) -> Actor:
            return Actor.of(s.scalar(select(User).where(User.username == name)))

        cat = s.scalar(select(Category.code).where(Category.level == 3).order_by(Category.code))
        for i in range(n):
            o = do_create_order(s, actor=who("operator1"), now=now, data={
                "kind": "complaint", "title": f"看板超期工单{i}", "content": f"看板超期工单{i}，路灯不亮已经很多天。",
                "citizen_name": "张伟", "citizen_phone": f"1391111{i:04d}"})
            do_action(s, order=o, actor=who("dispatcher"), action=Action.dispatch, now=now,
                      payload={"lead_unit": "dept-chengguan", "category_code": cat})
            numbers.append(o.number)
        s.flush()
        for i, n_ in enumerate(numbers):
            s.scalar(select(Order).where(Order.number == n_)).due_at = now - timedelta(hours=10 - i)
    return numbers


def test_a_supervisor_opens_all_overdue_orders_from_the_board(live_server: str, browser: Any,
                                                              monkeypatch: pytest.MonkeyPatch, screenshots: Path) -> None:
    from playwright.sync_api import expect

    from hotline.supervision import service

    numbers = _overdue_orders(3)
    monkeypatch.setattr(service, "BOARD_LIST", 2)  # the server runs in this process
    sup = _login(browser, live_server, "supervisor")
    sup.goto(f"{live_server}/supervision")
    red = sup.locator("section[aria-labelledby=b-red]")
    expect(red.locator("h2")).to_contain_text("超期工单（3）")
    expect(red.locator("tbody tr")).to_have_count(2)
    expect(red.locator("tbody tr").first).to_contain_text(numbers[0])
    red.get_by_role("link", name="显示全部").click()
    sup.wait_for_url("**/supervision?show=all*")
    expect(sup.locator("section[aria-labelledby=b-red] tbody tr")).to_have_count(3)
    expect(sup.locator("section[aria-labelledby=b-red]")).not_to_contain_text("显示全部")
    sup.screenshot(path=str(screenshots / "supervision-board-all.png"), full_page=True)
