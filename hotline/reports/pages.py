"""Console pages: ``/reports/monthly?month=YYYY-MM`` (the report), ``/reports/monthly.pdf`` (its stored PDF)
and ``POST /reports/subscription`` (a leader's subscription)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from hotline.db import commit_or_conflict, utcnow
from hotline.errors import Conflict
from hotline.org.deps import ReplicaSessionDep, SessionDep
from hotline.reports import service
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/reports/monthly")
def monthly_page(request: Request, db: ReplicaSessionDep, user: PageUser, month: str = "") -> Response:
    service.check_role(user)
    y, m = service.parse_month(month[:10])
    report = service.build(db, y, m)
    return render(request, "reports_monthly.html", {
        "r": report, "stored": service.stored(db, report.month),
        "subscribed": service.subscription(db, user) is not None})


@router.get("/reports/monthly.pdf")
def monthly_pdf(db: SessionDep, user: PageUser, month: str = "") -> Response:
    """The stored file of a closed month (made and stored on first request); an open month is printed
    fresh and not stored, since its figures still move."""
    service.check_role(user)
    y, m = service.parse_month(month[:10])
    now = utcnow()
    ctx = service.context(db, y, m, now=now)
    if ctx.period.end <= now:
        try:
            row = service.generate(db, y, m, actor=user, now=now)
            commit_or_conflict(db)
        except (IntegrityError, Conflict):  # another request or the worker stored it first: serve theirs
            db.rollback()
            row = service.stored(db, ctx.month)  # type: ignore[assignment]
            if row is None:
                raise
        pdf = row.file
    else:
        pdf = service.to_pdf(service.print_html(service.build(db, y, m, now=now)))
    name = f"monthly-report-{ctx.month}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/reports/subscription")
def subscription(db: SessionDep, user: PageUser, on: Annotated[str, Form(max_length=1)] = "1",
                 email: Annotated[str, Form(max_length=200)] = "",
                 month: Annotated[str, Form(max_length=7)] = "") -> Response:
    service.set_subscription(db, user, on=on == "1", email=email)
    commit_or_conflict(db)
    back = f"/reports/monthly?month={month}" if month else "/reports/monthly"
    if on == "1":
        return redirect_with_flash(back, "已订阅月度分析报告", "Subscribed to the monthly report")
    return redirect_with_flash(back, "已取消订阅月度分析报告", "Unsubscribed from the monthly report")
