"""In the browser: an operator works the missed-call queue (漏话回拨) — a call-back that connects opens the
intake with the caller's number filled in; one that finds nobody stays in the queue with its attempt."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser


def _missed(call_id: str, caller: str, minutes_ago: int) -> None:
    from hotline import db as dbmod
    from hotline.db import utcnow
    from hotline.telephony.flows import do_record_call_event

    at = utcnow() - timedelta(minutes=minutes_ago)
    with dbmod.session_scope() as s:
        do_record_call_event(s, event={"type": "offered", "call_id": call_id, "caller": caller, "at": at}, now=at)
        do_record_call_event(s, event={"type": "abandoned", "call_id": call_id, "at": at + timedelta(seconds=50)},
                             now=at)


def test_operator_calls_missed_numbers_back(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    _missed("b-missed-1", "13800007777", 30)
    _missed("b-missed-2", "13800008888", 10)
    page = _login(browser, live_server, "operator1")
    page.get_by_role("link", name="漏话回拨").first.click()
    expect(page.get_by_role("heading", name="漏话回拨队列")).to_be_visible()
    expect(page.get_by_role("heading", name="待回拨（2）")).to_be_visible()
    page.screenshot(path=str(screenshots / "30-missed-calls.png"), full_page=True)

    page.get_by_role("form", name="回拨 13800008888").get_by_role("button", name="无人接听").click()
    expect(page.get_by_role("status").filter(has_text="13800008888：无人接听，第1次回拨已登记")).to_be_visible()
    expect(page.get_by_role("form", name="回拨 13800008888")).to_be_visible()  # still to call back

    page.get_by_role("form", name="回拨 13800007777").get_by_role("button", name="已接通").click()
    expect(page).to_have_url(f"{live_server}/orders/new?citizen_phone=13800007777")
    expect(page.get_by_label("联系电话")).to_have_value("13800007777")
    expect(page.get_by_text("已回拨接通 13800007777，可直接受理")).to_be_visible()

    page.goto(f"{live_server}/telephony/missed")
    expect(page.get_by_role("heading", name="待回拨（1）")).to_be_visible()
    closed = page.locator("#missed-closed")
    expect(closed.get_by_role("cell", name="13800007777")).to_be_visible()
    expect(closed.get_by_role("cell", name="已回拨接通")).to_be_visible()
    page.screenshot(path=str(screenshots / "31-missed-calls-after.png"), full_page=True)
