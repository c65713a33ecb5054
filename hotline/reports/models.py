"""Stored monthly reports and the leaders' subscriptions (issue #16 item 6).

Why the PDF is kept as a row: a leader who opens the report of 2026-11 in January must see the file that
was sent on 1 December, not figures recomputed after later evaluations and appeals moved them.  The
bytes live in the database (a few hundred KB a month per city), with their size and sha256, so every
app server serves the same file without a shared disk.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class MonthlyReport(CityOwned, Base):
    __tablename__ = "monthly_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # 2026-11: the statistics month (kpi.month_start_day)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(128), default="system")  # a username, worker or cli
    caliber_version: Mapped[int] = mapped_column(Integer, default=0)  # 口径版本 of the figures
    file: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    sent: Mapped[bool] = mapped_column(Boolean, default=False)  # the subscribers' notices are queued

    __table_args__ = (UniqueConstraint("city_id", "month", name="uq_monthly_reports_city_month"),)


class ReportSubscription(CityOwned, Base):
    """A user who receives the monthly report: an inbox notice always, e-mail when an address is given."""

    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("city_id", "user_id", name="uq_report_subscriptions_city_user"),)
