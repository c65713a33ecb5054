"""In the browser, issue #12 item 7: notices in the inbox read as Chinese titles, never raw topic codes
(knowledge.review_due, appeal.*, designation.*, order.repeat_* used to show as codes)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from hotline import db as dbmod
from hotline.db import utcnow
from hotline.outbox.inbox import Notification
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import deliver
from tests.browser.test_walkthrough import _login

pytestmark = pytest.mark.browser

NOTICES = [
    ("knowledge.review_due", {"entry": 1, "question": "占道经营找谁？", "review_date": "2026-12-01"}, "知识条目待复审"),
    ("appeal.filed", {"number": "QY20261201-0001", "request_id": 1, "kind": "appeal"}, "申诉待审核"),
    ("designation.rejected", {"number": "QY20261201-0001", "note": "证据不足"}, "不合理诉求认定被驳回"),
    ("order.repeat_merged", {"number": "QY20261201-0002", "earlier": "QY20261201-0001", "score": 0.9},
     "重复来电已并单"),
]


def test_the_inbox_shows_titles_not_codes(live_server: str, browser: Any, screenshots: Path) -> None:
    from playwright.sync_api import expect

    topics = [t for t, _, _ in NOTICES]
    try:
        with dbmod.session_scope() as s:
            for topic, payload, _ in NOTICES:
                s.add(OutboxMessage(topic=topic, channel="inbox", recipient="centre", payload=payload))
        with dbmod.session_scope() as s:
            deliver(s, now=utcnow() + timedelta(seconds=1), channels=("inbox",))
        page = _login(browser, live_server, "dispatcher")
        page.goto(f"{live_server}/notifications")
        main = page.locator("main")
        for _, _, zh in NOTICES:
            expect(main.get_by_text(zh).first).to_be_visible()
        text = main.inner_text()
        assert not [t for t in topics if t in text], text
        page.screenshot(path=str(screenshots / "notices-titles.png"), full_page=True)
    finally:
        with dbmod.session_scope() as s:
            s.execute(delete(Notification).where(Notification.topic.in_(topics)))
            s.execute(delete(OutboxMessage).where(OutboxMessage.topic.in_(topics)))
