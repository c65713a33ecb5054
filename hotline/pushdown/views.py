"""REST API for push-downs (/api/v1/pushdowns …): the check a form makes, the list, the review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.db import commit_or_conflict
from hotline.errors import Forbidden
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.models import Unit
from hotline.org.scoping import is_centre_in
from hotline.pushdown import flows, service
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/pushdowns", tags=["pushdowns"])
READERS = ("dispatcher", "supervisor", "leader", "admin")


class ReviewIn(BaseModel):
    accept: bool
    note: str = Field(max_length=2000)


def require_centre(user: Any) -> None:
    if not is_centre_in(user, *READERS):
        raise Forbidden("centre_only", "仅热线中心可查看下沉派单", "only the centre sees push-downs")


@router.get("/check", summary="下沉派单检查 · does dispatching this category to this unit need a reason?")
def check(db: SessionDep, user: CurrentUser, lead_unit: Annotated[str, Query(max_length=64)],
          category_code: Annotated[str, Query(max_length=32)] = "") -> dict[str, Any]:
    if user.role not in READERS:
        raise Forbidden("role_not_allowed", "您的角色无权派单", "your role does not dispatch")
    lead = db.scalar(select(Unit).where(Unit.code == lead_unit))
    depts = service.needs_reason(db, category_code=category_code or None, lead=lead)
    return {"reason_required": bool(depts), "min_length": flows.MIN_REASON,
            "catalogue_units": [{"code": u.code, "name": u.name} for u in depts]}


@router.get("", summary="下沉派单列表 · the centre's push-downs, newest first")
def list_pushdowns(db: SessionDep, user: CurrentUser, state: str | None = None) -> list[dict[str, Any]]:
    require_centre(user)
    return [service.present(p) for p in service.list_pushdowns(db, state=state)]


@router.post("/{pushdown_id}/review", summary="审核下沉理由 · a supervisor accepts the reason or not")
def review(pushdown_id: DbId, body: ReviewIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    require_centre(user)
    pd = service.get(db, pushdown_id=pushdown_id)
    flows.do_review(db, pd=pd, actor=Actor.of(user), accept=body.accept, note=body.note)
    commit_or_conflict(db)
    return service.present(pd)
