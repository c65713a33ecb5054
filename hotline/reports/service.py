"""The monthly report: its sections for a month, the printed HTML, the PDF (headless Chromium), the
stored file, the leaders' subscriptions, and the notices that send it (docs/reports.md)."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import registry
from hotline.city.kpi_settings import kpi_settings_versioned
from hotline.db import utcnow
from hotline.errors import AppError, BadRequest, Forbidden
from hotline.kpi import periods
from hotline.orders.models import Order
from hotline.org import audit
from hotline.org.models import User
from hotline.outbox.models import OutboxMessage
from hotline.reports.models import MonthlyReport, ReportSubscription
from hotline.reports.sections import SECTIONS, Ctx, Section

log = logging.getLogger("hotline.reports")

READ_ROLES = ("leader", "supervisor", "admin")
TITLE = "月度分析报告"
PDF_TIMEOUT = 120  # seconds: a print of the report takes about one on an idle machine
CSS = Path(__file__).resolve().parents[1] / "web" / "static" / "report.css"


class ServiceUnavailable(AppError):
    status_code = 503


def check_role(user: User) -> None:
    if user.role not in READ_ROLES:
        raise Forbidden("report_role", "您的角色无权查看月度分析报告", "your role may not see the monthly report")


def parse_month(value: str | None, *, now: datetime | None = None) -> tuple[int, int]:
    """``2026-11`` → (2026, 11); empty: the last complete statistics month."""
    if not value:
        return previous_month(now or utcnow())
    try:
        y, m = (int(x) for x in value.strip().split("-"))
        date(y, m, 1)
        if not 2000 <= y <= 2100:
            raise ValueError(y)
    except (ValueError, TypeError) as exc:
        raise BadRequest("bad_month", "月份格式应为2026-11", "month must look like 2026-11", field="month") from exc
    return y, m


def previous_month(now: datetime) -> tuple[int, int]:
    """The statistics month before the one that contains ``now`` (the city's calendar and start day)."""
    cfg, _ = kpi_settings_versioned()
    y, m = periods.containing(periods.local_date(now), cfg.month_start_day)
    return (y, m - 1) if m > 1 else (y - 1, 12)


def label(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _shift(y: int, m: int, months: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + months
    return k // 12, k % 12 + 1


def context(db: Session, y: int, m: int, *, now: datetime | None = None) -> Ctx:
    cfg, version = kpi_settings_versioned()
    sd = cfg.month_start_day
    return Ctx(db=db, month=label(y, m), period=periods.month(y, m, sd), previous=periods.month(*_shift(y, m, -1), sd),
               year_ago=periods.month(y - 1, m, sd), cfg=cfg, version=version, as_of=now or utcnow())


@dataclass
class Report:
    month: str
    city: str
    version: int
    sections: list[Section]
    generated_at: datetime


def build(db: Session, y: int, m: int, *, now: datetime | None = None) -> Report:
    """Every section of the month: this package's, then those later packages added (``reports.sections``)."""
    from hotline.city.service import current_city

    ctx = context(db, y, m, now=now)
    builders = [*SECTIONS, *registry.get().extensions_of("reports.sections")]
    return Report(ctx.month, current_city().city.name, ctx.version, [b(ctx) for b in builders], ctx.as_of)


def print_html(report: Report, *, lang: str = "zh") -> str:
    """The standalone page Chromium prints: the report's CSS inline, no script, no navigation."""
    from hotline.i18n import gettext
    from hotline.web.templating import templates

    return templates.env.get_template("reports_print.html").render(
        r=report, title=TITLE, css=CSS.read_text(encoding="utf-8"), lang=lang, _=lambda s: gettext(s, lang))


def chromium() -> str | None:
    """The browser that prints: ``HOTLINE_CHROMIUM`` (a path; empty turns printing off), else one on PATH."""
    if "HOTLINE_CHROMIUM" in os.environ:
        path = os.environ["HOTLINE_CHROMIUM"]
        return path if path and Path(path).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def no_printer() -> ServiceUnavailable:
    return ServiceUnavailable("report_pdf_unavailable",
                              "无法生成PDF：服务器未安装Chromium（可设置HOTLINE_CHROMIUM），网页版报告仍可查看和打印",
                              "cannot make the PDF: Chromium is not installed on the server (set HOTLINE_CHROMIUM); "
                              "the HTML report still works and prints")


def to_pdf(html: str) -> bytes:
    """Print ``html`` to PDF with headless Chromium (A4, page numbers from the report's @page CSS)."""
    exe = chromium()
    if exe is None:
        raise no_printer()
    with tempfile.TemporaryDirectory(prefix="hotline-report-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
               f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", src.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=PDF_TIMEOUT, check=False)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("chromium print failed: %s", exc)
            raise no_printer() from exc
        if not out.exists() or out.stat().st_size == 0:
            raise ServiceUnavailable("report_pdf_failed", "PDF生成失败，请稍后重试", "the PDF could not be made; try again later")
        return out.read_bytes()


def stored(db: Session, month: str) -> MonthlyReport | None:
    return db.scalar(select(MonthlyReport).where(MonthlyReport.month == month))


def generate(db: Session, y: int, m: int, *, actor: User | None = None, label_: str = "system",
             now: datetime | None = None, replace: bool = False) -> MonthlyReport:
    """The stored PDF of the month, made now if there is none (``replace``: made again); caller commits."""
    month = label(y, m)
    row = stored(db, month)
    if row is not None and not replace:
        return row
    report = build(db, y, m, now=now)
    pdf = to_pdf(print_html(report))
    now = now or utcnow()
    by = actor.username if actor else label_
    if row is None:
        row = MonthlyReport(month=month, generated_at=now, generated_by=by, caliber_version=report.version,
                            file=pdf, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
        db.add(row)
    else:
        row.file, row.size, row.sha256 = pdf, len(pdf), hashlib.sha256(pdf).hexdigest()
        row.generated_at, row.generated_by, row.caliber_version = now, by, report.version
    db.flush()
    audit.record(db, actor=actor, label=label_, action="report.generated", entity="monthly_report", entity_id=row.id,
                 month=month, size=row.size, sha256=row.sha256)
    return row


# ---------------------------------------------------------------- subscriptions and sending


def subscription(db: Session, user: User) -> ReportSubscription | None:
    return db.scalar(select(ReportSubscription).where(ReportSubscription.user_id == user.id))


def set_subscription(db: Session, user: User, *, on: bool, email: str | None = None) -> None:
    """Subscribe or unsubscribe ``user`` (one of READ_ROLES) to the monthly report; caller commits."""
    check_role(user)
    email = (email or "").strip() or None
    if email is not None and ("@" not in email or len(email) > 200):
        raise BadRequest("bad_email", "邮箱地址格式不正确", "not an e-mail address", field="email")
    sub = subscription(db, user)
    before = {"subscribed": sub is not None, "email": sub.email if sub else None}
    if on and sub is None:
        db.add(ReportSubscription(user_id=user.id, email=email))
    elif on and sub is not None:
        sub.email = email
    elif not on and sub is not None:
        db.delete(sub)
    db.flush()
    audit.record(db, actor=user, action="report.subscription", entity="user", entity_id=user.id, before=before,
                 after={"subscribed": on, "email": email if on else None})


def report_url(month: str) -> str:
    from hotline.config import get_settings

    return f"{get_settings().public_base_url.rstrip('/')}/reports/monthly?month={month}"


def email_configured() -> bool:
    from hotline.outbox.senders import SmtpSender, get_sender

    return isinstance(get_sender("email"), SmtpSender)


def send(db: Session, row: MonthlyReport) -> int:
    """Queue the report's notices to every subscriber (once: a dedupe key per month and person); caller commits."""
    n = 0
    payload: dict[str, Any] = {"title": row.month, "month": row.month, "url": report_url(row.month),
                               "report_id": row.id}
    has_email = email_configured()
    for sub, user in db.execute(select(ReportSubscription, User).join(User, User.id == ReportSubscription.user_id)
                                .where(User.active.is_(True)).order_by(User.id)):
        if user.role not in READ_ROLES:
            continue
        out = [("inbox", f"user:{user.username}")]
        if has_email and sub.email:
            out.append(("email", sub.email))
        for channel, recipient in out:
            key = f"report:{row.month}:{user.id}:{channel}"
            if db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is None:
                db.add(OutboxMessage(topic="report.monthly", channel=channel, recipient=recipient,
                                     payload=payload, dedupe_key=key))
                n += 1
    row.sent = True
    return n


def attachments(db: Session, msg: OutboxMessage) -> list[tuple[str, str, bytes]]:
    """The ``outbox.attachments`` extension: the stored PDF travels with the report's e-mail."""
    if msg.topic != "report.monthly":
        return []
    row = db.get(MonthlyReport, (msg.payload or {}).get("report_id"))
    return [(f"monthly-report-{row.month}.pdf", "application/pdf", row.file)] if row is not None else []


# ---------------------------------------------------------------- the worker's task


def due_month(now: datetime) -> str:
    return label(*previous_month(now))


def monthly_task(*, now: datetime) -> dict[str, Any]:
    """Once a month per city: last month's report, generated and sent on the 1st (the city's calendar;
    with a later start day, the day the statistics month closes).  Idempotent: the stored row says it
    was done; a pass after a stopped worker does what the missed day would have done."""
    from hotline.db import session_factory

    month = due_month(now)
    with session_factory()() as db:
        row = stored(db, month)
        if row is not None and row.sent:
            return {"skipped": "done", "month": month}
        if row is None and chromium() is None:
            return {"skipped": "no chromium", "month": month}
        y, m = (int(x) for x in month.split("-"))
        p = context(db, y, m, now=now).period
        if row is None and db.scalar(select(Order.id).where(Order.created_at >= p.start, Order.created_at < p.end)
                                     .limit(1)) is None:
            return {"skipped": "no orders", "month": month}  # a city that began this month: nothing to report
        try:
            row = generate(db, y, m, label_="worker", now=now)
            n = send(db, row)
            db.commit()
        except Exception:
            db.rollback()
            raise
    return {"month": month, "sent": n}
