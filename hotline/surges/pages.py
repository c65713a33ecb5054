"""Console pages: ``/surges`` (alerts, newest day first) and ``/surges/{id}`` (observed against expected,
the orders behind it, acknowledge / dismiss), and the panels on the supervisor board and the leader's
dashboard.  The pages read stored alerts; detection runs in the worker (hotline.surges.detect)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hotline.db import commit_or_conflict, utcnow
from hotline.errors import AppError, BadRequest, Conflict
from hotline.orders.enums import STATUS_ZH
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.surges import flows, service
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/surges")
def surges_page(request: Request, db: SessionDep, user: PageUser, state: str = "") -> Response:
    state = state if state in service.STATE_ZH else ""
    return render(request, "surges_list.html", {"alerts": service.listing(db, user=user, state=state or None),
                                                "state": state, "state_zh": service.STATE_ZH})


def _detail(request: Request, db: Session, user: User, alert_id: int, error: AppError | None = None,
            status_code: int = 200) -> Response:
    a = service.get(db, user=user, alert_id=alert_id)
    return render(request, "surges_detail.html", {
        "a": a, "orders": service.orders_of(db, a), "status_zh": STATUS_ZH, "state_zh": service.STATE_ZH,
        "error": error, "can_edit": user.role in service.EDIT_ROLES and a.state == "open"}, status_code=status_code)


@router.get("/surges/{alert_id}")
def surge_page(request: Request, alert_id: DbId, db: SessionDep, user: PageUser) -> Response:
    return _detail(request, db, user, alert_id)


@router.post("/surges/{alert_id}/decide")
def surge_decide(request: Request, alert_id: DbId, db: SessionDep, user: PageUser,
                 decision: Annotated[str, Form(max_length=20)] = "",
                 note: Annotated[str, Form(max_length=2000)] = "",
                 version: Annotated[str, Form(max_length=12)] = "") -> Response:
    a = service.get(db, user=user, alert_id=alert_id)
    try:
        flows.do_decide(db, user=user, alert=a, decision=decision, note=note, now=utcnow(),
                        version=int(version) if version.isdigit() else None)
        commit_or_conflict(db)
    except BadRequest as exc:
        db.rollback()
        return _detail(request, db, user, alert_id, exc, 422)
    except Conflict as exc:
        db.rollback()
        return _detail(request, db, user, alert_id, exc, 409)
    zh, en = ("已确认", "Acknowledged") if decision == "acknowledge" else ("已排除", "Dismissed")
    return redirect_with_flash(f"/surges/{alert_id}", f"{zh}：{a.name}", f"{en}: {a.name}")


def panel(db: Session, user: User, now: datetime) -> dict[str, Any]:
    """The ``supervision.board_panels`` / ``kpi.dashboard_panels`` extension: open surge alerts."""
    return {"template": "partials/surges_panel.html",
            "ctx": {"surge_alerts": service.open_alerts(db) if user.role in service.READ_ROLES else []}}
