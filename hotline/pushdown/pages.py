"""Console pages: the push-down list with the supervisor's review (/pushdowns), the reason field the
dispatch form pulls when a township is chosen, and the supervisor board's panel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import SessionDep
from hotline.org.models import Unit, User
from hotline.org.scoping import is_centre_in
from hotline.pushdown import flows, service
from hotline.pushdown.views import require_centre
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/pushdowns")
def list_page(request: Request, db: SessionDep, user: PageUser, state: str = "") -> Response:
    require_centre(user)
    state = state if state in service.STATE_ZH else ""
    rows = [service.present(p) for p in service.list_pushdowns(db, state=state or None)]
    return render(request, "pushdown_list.html", {"rows": rows, "state": state, "states": service.STATE_ZH,
                                                  "can_review": is_centre_in(user, Role.supervisor)})


@router.post("/pushdowns/{pushdown_id}/review")
def review(pushdown_id: DbId, db: SessionDep, user: PageUser, accept: Annotated[str, Form()] = "",
           note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    require_centre(user)
    pd = service.get(db, pushdown_id=pushdown_id)
    flows.do_review(db, pd=pd, actor=Actor.of(user), accept=accept == "true", note=note)
    commit_or_conflict(db)
    return redirect_with_flash("/pushdowns", "已审核下沉理由", "Reason reviewed")


@router.get("/orders/{number}/pushdown-field")
def reason_field(request: Request, number: str, db: SessionDep, user: PageUser,
                 action: Annotated[str, Query(max_length=32)] = "",
                 lead_unit: Annotated[str, Query(max_length=64)] = "",
                 category_code: Annotated[str, Query(max_length=32)] = "") -> Response:
    """The dispatch form's reason field: shown only when the chosen unit is a push-down."""
    order = orders.get_order(db, number=number, user=user)
    lead = db.scalar(select(Unit).where(Unit.code == lead_unit)) if lead_unit else None
    depts = service.needs_reason(db, category_code=category_code or order.category_code, lead=lead)
    return render(request, "partials/pushdown_field.html", {
        "depts": depts, "lead": lead, "fid": f"f-{action}-pushdown_reason", "min_len": flows.MIN_REASON})


def board_panel(db: Session, user: User, now: datetime) -> dict[str, Any]:
    """The ``supervision.board_panels`` extension: push-downs per dispatcher, last 30 days."""
    return {"template": "partials/pushdown_board.html",
            "ctx": {"pushdowns": service.per_dispatcher(db, now=now), "pushdown_days": service.BOARD_DAYS}}
