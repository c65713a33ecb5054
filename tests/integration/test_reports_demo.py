"""The demo shows the monthly report (issue #16 item 6): after seeding, the leader is subscribed and last
month's report is stored and queued to them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.service import current_city
from hotline.db import utcnow
from hotline.demo.reports import seed_reports
from hotline.demo.seed import seed_orders
from hotline.org.models import User
from hotline.outbox.models import OutboxMessage
from hotline.reports import service
from tests.integration.test_reports import _text


@pytest.mark.skipif(service.chromium() is None, reason="no Chromium to print with")
def test_the_demo_has_last_months_report_and_a_subscribed_leader(db: Session) -> None:
    import pypdf

    now = utcnow()
    seed_orders(db, current_city(), n=40, seed=7)
    counts = seed_reports(db, now=now)
    db.flush()
    leader = db.scalar(select(User).where(User.username == "leader"))
    assert service.subscription(db, leader) is not None
    month = service.due_month(now)
    row = service.stored(db, month)
    assert row is not None and row.sent and counts["report_notices"] == 1
    note = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == "report.monthly"))
    assert note is not None and note.recipient == "user:leader" and note.payload["month"] == month
    first = _text(pypdf.PdfReader(io.BytesIO(row.file)).pages[0])
    assert f"青阳市12345热线 {month} 月度分析报告" in first
    assert seed_reports(db, now=now)["report_notices"] == 0, "seeding again sends nothing twice"
