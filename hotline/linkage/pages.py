"""Console pages of 联动: the order page's panel (``/orders/{number}/linkage-panel``, pulled with HTMX) with
each hand-off's reason, acknowledgement and desk status, the three-party calls, and the form to record one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from hotline.db import commit_or_conflict, utcnow
from hotline.errors import BadRequest
from hotline.linkage import flows, service
from hotline.linkage.models import OUTCOME_ZH
from hotline.linkage.views import CallIn
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.enums import EmergencyService
from hotline.org.deps import SessionDep
from hotline.validation import to_moment
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/orders/{number}/linkage-panel")
def panel(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    order = orders.get_order(db, number=number, user=user)
    handoffs, calls = service.for_order(db, order)
    can_call = service.may_record_call(user)
    if not handoffs and not calls and not can_call:
        return Response("")
    return render(request, "linkage_panel.html", {
        "o": order, "handoffs": handoffs, "calls": calls, "can_call": can_call,
        "desks": [(s.value, service.desk_label(s.value)) for s in EmergencyService], "outcomes": OUTCOME_ZH})


@router.post("/orders/{number}/linkage-calls")
def record_call(request: Request, number: str, db: SessionDep, user: PageUser,
                desk: Annotated[str, Form(max_length=8)], started_at: Annotated[str, Form(max_length=40)],
                ended_at: Annotated[str, Form(max_length=40)], participants: Annotated[str, Form(max_length=500)],
                outcome: Annotated[str, Form(max_length=8)], note: Annotated[str, Form(max_length=2000)] = "",
                recording_ref: Annotated[str, Form(max_length=200)] = "") -> Response:
    service.require_caller(user)
    order = orders.get_order(db, number=number, user=user)
    try:
        body = CallIn(desk=desk, started_at=to_moment(started_at, name="started_at"),  # type: ignore[arg-type]
                      ended_at=to_moment(ended_at, name="ended_at"), participants=participants,
                      outcome=outcome, note=note or None, recording_ref=recording_ref or None)  # type: ignore[arg-type]
    except (ValidationError, ValueError) as exc:
        raise BadRequest("bad_call", "三方通话记录不完整：请填写联动单位、起止时间、参与人（至少2个字）与处置结果",
                         f"the three-party call is incomplete: {exc}"[:500]) from exc
    flows.do_call(db, order=order, actor=Actor.of(user), data=body.model_dump(), now=utcnow())
    commit_or_conflict(db)
    return RedirectResponse(f"/orders/{order.number}", status_code=303)
