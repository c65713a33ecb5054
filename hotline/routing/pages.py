"""Console pages for routing: accuracy, the triage queue, and the duty catalogue (admins edit keywords)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.errors import Forbidden
from hotline.org.deps import SessionDep
from hotline.org.models import Unit
from hotline.org.scoping import is_centre
from hotline.routing import stats
from hotline.routing.flows import do_edit_keywords
from hotline.routing.models import RoutingModel
from hotline.routing.service import forget_catalogue
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
CENTRE_VIEW = {"dispatcher", "operator", "supervisor", "admin", "leader"}


def _centre(user: Any) -> None:
    if user.role not in CENTRE_VIEW or not is_centre(user):
        raise Forbidden("centre_only", "仅热线中心可查看", "centre only")


@router.get("/routing")
def accuracy_page(request: Request, db: SessionDep, user: PageUser) -> Any:
    _centre(user)
    models = list(db.scalars(select(RoutingModel).order_by(RoutingModel.trained_at.desc()).limit(10)))
    return render(request, "routing_accuracy.html", {
        "acc": stats.accuracy(db), "returns": stats.returns_by_unit(db)[:30], "models": models})


@router.get("/routing/triage")
def triage_page(request: Request, db: SessionDep, user: PageUser) -> Any:
    _centre(user)
    return render(request, "routing_triage.html", {"rows": stats.triage_queue(db)})


@router.get("/routing/catalogue")
def catalogue_page(request: Request, db: SessionDep, user: PageUser) -> Any:
    _centre(user)
    units = list(db.scalars(select(Unit).where(Unit.type.in_(("department", "enterprise", "street", "township")))
                            .order_by(Unit.type, Unit.code)))
    return render(request, "routing_catalogue.html", {"units": units, "editable": user.role == Role.admin})


@router.post("/routing/catalogue/{code}")
def catalogue_edit(request: Request, code: str, db: SessionDep, user: PageUser,
                   keywords: Annotated[str, Form(max_length=4000)] = "") -> Any:
    if user.role != Role.admin:
        raise Forbidden("role_not_allowed", "仅系统管理员可维护派单目录", "only admins edit the catalogue")
    unit = do_edit_keywords(db, unit_code=code, keywords=keywords, actor=user)
    commit_or_conflict(db)
    forget_catalogue()
    return render(request, "partials/routing_catalogue_row.html", {"u": unit, "editable": True, "saved": True})
