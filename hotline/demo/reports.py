"""The demo's monthly report (issue #16 item 6): the leader subscribed, and last month's report made
and sent at seed, as the worker does on the 1st (without Chromium the worker's first pass makes it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.org.models import User


def seed_reports(db: Session, *, now: datetime) -> dict[str, int]:
    from hotline.reports import service

    leader = db.scalar(select(User).where(User.username == "leader"))
    if leader is None:
        return {}
    if service.subscription(db, leader) is None:
        service.set_subscription(db, leader, on=True)
    if service.chromium() is None:
        return {"report_subscribers": 1}
    y, m = service.previous_month(now)
    row = service.generate(db, y, m, label_="演示数据", now=now)
    return {"report_subscribers": 1, "monthly_report_kb": row.size // 1024, "report_notices": service.send(db, row)}
