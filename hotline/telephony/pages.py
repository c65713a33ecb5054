"""Telephony console pages: the KPI dashboard, the staffing calculator, and the screen pop.

The screen pop is a partial that any console page can poll (one line in base.html):
an operator who answers a call sees the caller's number, a link to start intake
with the phone prefilled, and the caller's recent orders.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from hotline.city.service import city_tz
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import BadRequest
from hotline.org.deps import SessionDep
from hotline.org.scoping import is_centre
from hotline.telephony import missed, service
from hotline.telephony.flows import do_dismiss_pop
from hotline.telephony.models import ATTEMPT_OUTCOMES
from hotline.telephony.settings import rules
from hotline.telephony.views import (
    POSTER_ROLES,
    VIEWER_ROLES,
    StaffingIn,
    plan,
    present_missed,
    require_centre,
)
from hotline.validation import DbId, in_range
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)

POP_ROLES = ("operator", "dispatcher")


def _local_day(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=city_tz())
        if not in_range(day):
            raise ValueError(value)  # the calendar's edges overflow a day later or in UTC
        return day
    except ValueError as exc:
        raise BadRequest("bad_date", "日期格式应为 YYYY-MM-DD", "dates must be YYYY-MM-DD") from exc


def _defaults(db: Any) -> dict[str, Any]:
    forecast = service.hourly_forecast(db)
    return {"volumes": ", ".join(f"{v:g}" for v in forecast) if any(forecast) else "", "aht_s": 330,
            "target_sl": 0.95, "target_s": 15, "target_connection": "", "patience_s": 60}


@router.get("/telephony")
def dashboard(request: Request, db: SessionDep, user: PageUser, start: str | None = None,
              end: str | None = None) -> Response:
    require_centre(user, VIEWER_ROLES)
    today = utcnow().astimezone(city_tz()).replace(hour=0, minute=0, second=0, microsecond=0)
    s = _local_day(start, today - timedelta(days=6))
    e = _local_day(end, today) + timedelta(days=1)
    m = service.metrics(db, start=s, end=e)
    return render(request, "telephony_dashboard.html", {
        "m": m, "start": s.strftime("%Y-%m-%d"), "end": (e - timedelta(days=1)).strftime("%Y-%m-%d"),
        "form": _defaults(db), "plan": None})


@router.post("/telephony/staffing")
def staffing(request: Request, user: PageUser, volumes: Annotated[str, Form(max_length=4000)] = "",
             aht_s: Annotated[str, Form()] = "330", target_sl: Annotated[str, Form()] = "0.95",
             target_s: Annotated[str, Form()] = "15", target_connection: Annotated[str, Form()] = "",
             patience_s: Annotated[str, Form()] = "60") -> Response:
    require_centre(user, VIEWER_ROLES)
    form = {"volumes": volumes, "aht_s": aht_s, "target_sl": target_sl, "target_s": target_s,
            "target_connection": target_connection, "patience_s": patience_s}
    try:
        vols = [float(v) for v in volumes.replace("，", ",").replace(" ", ",").split(",") if v.strip()]
        body = StaffingIn(volumes=vols, aht_s=float(aht_s), target_sl=float(target_sl), target_s=float(target_s),
                          target_connection=float(target_connection) if target_connection.strip() else None,
                          patience_s=float(patience_s))
    except (ValueError, ValidationError) as exc:
        raise BadRequest("bad_staffing_input", "请填写每小时话务量（逗号分隔的数字）及有效的目标值",
                         "enter hourly volumes (comma-separated numbers) and valid targets") from exc
    rows = plan(body)
    return render(request, "telephony_staffing.html", {"plan": rows, "form": form,
                                                        "total": sum(r["agents"] for r in rows)})


@router.get("/telephony/pop")
def pop(request: Request, db: SessionDep, user: PageUser) -> Response:
    """Polled by the console (hx-trigger every few seconds); empty when there is no live call."""
    if user.role not in POP_ROLES or not is_centre(user):
        return HTMLResponse("")
    rec = service.current_pop(db, user=user)
    if rec is None:
        return HTMLResponse("")
    history = service.caller_history(db, user=user, phone=rec.caller)
    return render(request, "telephony_pop.html", {"call": rec, "history": history})


@router.post("/telephony/pop/{call_id}/dismiss")
def dismiss(call_id: str, db: SessionDep, user: PageUser) -> Response:
    do_dismiss_pop(db, user=user, call_id=call_id)
    commit_or_conflict(db)
    return HTMLResponse("")


UNIT_ZH = {"natural_minutes": "分钟", "natural_hours": "小时", "working_hours": "个工作小时", "working_days": "个工作日"}


@router.get("/telephony/missed")
def missed_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    """漏话回拨: the operators' queue of missed calls, soonest due first."""
    require_centre(user, VIEWER_ROLES)
    now = utcnow()
    limit = rules().missed_calls.limit
    return render(request, "telephony_missed.html", {
        "pending": [present_missed(t, now) for t in service.missed_queue(db, state="pending")],
        "closed": [present_missed(t, now) for t in service.missed_queue(db, state="closed", limit=30)],
        "can_call": user.role in POSTER_ROLES, "outcomes": ATTEMPT_OUTCOMES, "outcome_zh": missed.OUTCOME_ZH,
        "reason_zh": missed.REASON_ZH, "limit_amount": limit.amount, "limit_unit": UNIT_ZH[limit.unit.value]})


@router.post("/telephony/missed/{task_id}/attempt")
def missed_attempt(task_id: DbId, db: SessionDep, user: PageUser,
                   outcome: Annotated[str, Form(max_length=16)] = "") -> Response:
    require_centre(user, POSTER_ROLES)
    task = missed.do_attempt(db, task_id=task_id, user=user, outcome=outcome)
    commit_or_conflict(db)
    if task.state == "returned":  # connected: take the demand with the number filled in
        return redirect_with_flash(f"/orders/new?citizen_phone={quote(task.caller)}",
                                   f"已回拨接通 {task.caller}，可直接受理", f"Called back {task.caller}: take the demand")
    zh, en = missed.OUTCOME_ZH[outcome], outcome.replace("_", " ")
    if task.state == "unreachable":
        return redirect_with_flash("/telephony/missed", f"{task.caller}：{zh}，已记为无法联系",
                                   f"{task.caller}: {en}, marked unreachable")
    return redirect_with_flash("/telephony/missed", f"{task.caller}：{zh}，第{task.attempts}次回拨已登记",
                               f"{task.caller}: {en}, attempt {task.attempts} recorded")
