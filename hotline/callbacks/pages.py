"""Console pages for callbacks (/callbacks) and the public self-rating page (/rate/{token}).

The rating page needs no login: the signed token is the permission (links.py).
Form posts follow the console's pattern: do_* then commit_or_conflict, then redirect.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hotline.callbacks import flows, service
from hotline.callbacks.links import read_token
from hotline.callbacks.models import Evaluation
from hotline.city.kpi_settings import kpi_settings
from hotline.db import commit_or_conflict
from hotline.errors import AppError
from hotline.orders.actor import Actor
from hotline.org.deps import SessionDep
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/callbacks")
def queue_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    service.require_centre(user)
    q = service.queue(db)
    return render(request, "callbacks_queue.html", {
        "sections": [(k, [service.present(t) for t in q[k]]) for k in ("due", "review", "upcoming")],
        "sat_labels": flows.SAT_ZH, "can_call": user.role == "callback_agent",
        "can_review": user.role in ("dispatcher", "supervisor"),
    })


def _bool(v: str | None) -> bool | None:
    return {"true": True, "false": False}.get((v or "").lower())


@router.post("/callbacks/{task_id}/call")
def record_call(request: Request, task_id: DbId, db: SessionDep, user: PageUser,
                reached: Annotated[str, Form()] = "", solved: Annotated[str, Form()] = "",
                satisfaction: Annotated[str, Form()] = "", comment: Annotated[str, Form(max_length=2000)] = "",
                recording_note: Annotated[str, Form(max_length=500)] = "") -> Response:
    service.require_centre(user)
    task = service.get_task(db, task_id)
    flows.do_record_call(db, task=task, actor=Actor.of(user), payload={
        "reached": _bool(reached), "solved": _bool(solved), "satisfaction": satisfaction or None,
        "comment": comment, "recording_note": recording_note})
    commit_or_conflict(db)
    return redirect_with_flash("/callbacks", *_call_message(task.order.number, task.state, task.attempts))


def _call_message(number: str, state: str, attempts: int) -> tuple[str, str]:
    """What the agent is told after a call is recorded (zh, en)."""
    if state == "done":
        return f"已登记回访：{number} 已解决且满意，工单已归档", f"Callback recorded: {number} solved and satisfied, archived"
    if state == "review":
        return (f"已登记回访：{number} 未解决或不满意，已转中心审核",
                f"Callback recorded: {number} not solved or not satisfied, sent to the centre for review")
    if state == "unreachable":
        return (f"已登记未接通：{number} 第{attempts}次未接通，标记为无法联系",
                f"Not reached: {number}, attempt {attempts}, marked unreachable")
    return (f"已登记未接通：{number} 第{attempts}次未接通，稍后重拨",
            f"Not reached: {number}, attempt {attempts}; call again later")


@router.post("/callbacks/{task_id}/review")
def review(request: Request, task_id: DbId, db: SessionDep, user: PageUser,
           decision: Annotated[str, Form()] = "", reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    service.require_centre(user)
    task = service.get_task(db, task_id)
    flows.do_review(db, task=task, actor=Actor.of(user), decision=decision, reason=reason)
    commit_or_conflict(db)
    number = task.order.number
    if task.state == "reopened":
        unit = task.order.lead_unit.name if task.order.lead_unit else ""
        return redirect_with_flash("/callbacks", f"已重办：{number} 已发回{unit}重新办理",
                                   f"Reopened: {number} sent back to {unit or 'the unit'}")
    return redirect_with_flash("/callbacks", f"已归档：{number}", f"Archived: {number}")


def _rate_ctx(db: SessionDep, token: str) -> dict[str, Any]:
    task = service.get_task(db, read_token(token, max_age_days=kpi_settings().callback.rating_link_days))
    rated = db.query(Evaluation).filter(Evaluation.task_id == task.id).first()
    return {"task": task, "order": task.order, "token": token, "rated": rated,
            "open": task.state == "pending" and task.order.status == "completed", "sat_labels": flows.SAT_ZH}


@router.get("/rate/{token}")
def rate_form(request: Request, token: str, db: SessionDep) -> Response:
    try:
        return render(request, "callbacks_rate.html", _rate_ctx(db, token))
    except AppError as exc:
        return render(request, "callbacks_rate.html", {"error": exc}, status_code=exc.status_code)


@router.post("/rate/{token}")
def rate_submit(request: Request, token: str, db: SessionDep, solved: Annotated[str, Form()] = "",
                satisfaction: Annotated[str, Form()] = "", comment: Annotated[str, Form(max_length=500)] = ""
                ) -> Response:
    try:
        ctx = _rate_ctx(db, token)
        flows.do_self_rate(db, task=ctx["task"], payload={
            "solved": _bool(solved), "satisfaction": satisfaction or None, "comment": comment})
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        ctx = {"error": exc}
        try:
            ctx = {**_rate_ctx(db, token), "error": exc}
        except AppError:
            pass
        return render(request, "callbacks_rate.html", ctx, status_code=exc.status_code)
    return render(request, "callbacks_rate.html", {"thanks": True})
