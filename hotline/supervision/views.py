"""REST API: /api/v1/supervisions, /api/v1/accountability, /api/v1/notifications."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from hotline.city.schema import Role
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import Forbidden
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.supervision import flows, service
from hotline.supervision.models import LEVELS, OUTCOMES, STATES, Accountability, Supervision
from hotline.validation import AwareMoment, DbId

router = APIRouter(prefix="/api/v1", tags=["supervision"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SupervisionIn(_In):
    order_number: str = Field(max_length=32)
    level: Literal["urge", "supervise", "listed"] = "supervise"
    respond_by: str | None = Field(None, max_length=40,
                                   description="回复期限: a date (end of that local day) or an aware ISO instant")
    note: str = Field(max_length=2000)


class RespondIn(_In):
    content: str = Field(max_length=4000)


class CloseIn(_In):
    note: str | None = Field(None, max_length=2000)


class PersonIn(_In):
    username: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=64)


class AccountabilityIn(_In):
    unit: str = Field(max_length=64)
    people: list[PersonIn] = Field(min_length=1, max_length=50)
    order_numbers: list[str] = Field(default_factory=list, max_length=100)
    finding: str = Field(max_length=4000)
    outcome: Literal["interview", "criticism", "admonition", "warning", "other"]
    note: str | None = Field(None, max_length=2000)
    decided_at: AwareMoment | None = None


def present_supervision(s: Supervision, number: str) -> dict[str, Any]:
    return {"id": s.id, "order_number": number, "level": s.level, "level_zh": LEVELS[s.level],
            "unit": s.unit.code if s.unit else None, "source": s.source, "issued_by": s.issued_by_label,
            "issued_at": s.issued_at, "respond_by": s.respond_by, "note": s.note, "state": s.state,
            "state_zh": STATES[s.state], "response": s.response, "responded_at": s.responded_at,
            "closed_at": s.closed_at}


def present_accountability(a: Accountability) -> dict[str, Any]:
    return {"id": a.id, "unit": a.unit.code, "unit_name": a.unit.name, "people": a.people, "finding": a.finding,
            "outcome": a.outcome, "outcome_zh": OUTCOMES[a.outcome], "note": a.note,
            "orders": [link.order_number for link in a.order_links], "decided_at": a.decided_at,
            "decided_by": a.decided_by.username if a.decided_by else None}


@router.get("/supervisions", summary="督办列表 · supervision notices visible to you")
def list_supervisions(db: SessionDep, user: CurrentUser,
                      state: Annotated[list[Literal["open", "answered", "overdue", "closed"]] | None, Query()] = None
                      ) -> list[dict[str, Any]]:
    return [present_supervision(s, o.number) for s, o in service.list_supervisions(db, user=user, states=state)]


@router.post("/supervisions", status_code=201, summary="催办 / 督办 / 挂牌督办 · issue a notice")
def issue(body: SupervisionIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    order = orders.get_order(db, number=body.order_number, user=user)
    sup = flows.do_issue(db, order=order, actor=Actor.of(user), level=body.level, note=body.note,
                         respond_by=body.respond_by, now=utcnow())
    commit_or_conflict(db)
    return present_supervision(sup, order.number)


@router.get("/supervisions/{sup_id}", summary="一条督办")
def get_one(sup_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    sup, order = service.get_supervision(db, sup_id=sup_id, user=user)
    return present_supervision(sup, order.number)


@router.post("/supervisions/{sup_id}/respond", summary="督办回复 · the unit answers")
def respond(sup_id: DbId, body: RespondIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    sup, order = service.get_supervision(db, sup_id=sup_id, user=user)
    order = orders.get_order(db, number=order.number, user=user)
    flows.do_respond(db, sup=sup, order=order, actor=Actor.of(user), content=body.content, now=utcnow())
    commit_or_conflict(db)
    return present_supervision(sup, order.number)


@router.post("/supervisions/{sup_id}/close", summary="督办办结 · the supervisor closes the notice")
def close(sup_id: DbId, body: CloseIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    sup, order = service.get_supervision(db, sup_id=sup_id, user=user)
    flows.do_close(db, sup=sup, order=order, actor=Actor.of(user), note=body.note, now=utcnow())
    commit_or_conflict(db)
    return present_supervision(sup, order.number)


@router.get("/accountability", summary="问责记录 · accountability records (units: their own)")
def list_accountability(db: SessionDep, user: CurrentUser, unit: str | None = None) -> list[dict[str, Any]]:
    return [present_accountability(a) for a in service.list_accountability(db, user=user, unit=unit)]


@router.post("/accountability", status_code=201, summary="新建问责记录 · supervisors only")
def create_accountability(body: AccountabilityIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    if user.role != Role.supervisor:
        raise Forbidden("role_not_allowed", "只有督办员可以新建问责记录", "only supervisors record accountability")
    rec = flows.do_create_accountability(db, actor=Actor.of(user), data=body.model_dump(), now=utcnow())
    commit_or_conflict(db)
    return present_accountability(rec)


@router.get("/notifications", summary="站内通知 · your unit's console notifications")
def notifications(db: SessionDep, user: CurrentUser, unread: bool = False,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    rows = service.list_notifications(db, user=user, unread_only=unread, limit=limit)
    return {"unread": service.unread_count(db, user=user), "items": [service.present_notification(n) for n in rows]}


@router.get("/notifications/unread_count", summary="未读通知数 · for the nav badge")
def notifications_unread(db: SessionDep, user: CurrentUser) -> dict[str, int]:
    return {"unread": service.unread_count(db, user=user)}


@router.post("/notifications/{notification_id}/read", summary="标为已读")
def notification_read(notification_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, int]:
    n = service.mark_read(db, user=user, now=utcnow(), notification_id=notification_id)
    db.commit()
    return {"marked": n}


@router.post("/notifications/read_all", summary="全部标为已读")
def notifications_read_all(db: SessionDep, user: CurrentUser) -> dict[str, int]:
    n = service.mark_read(db, user=user, now=utcnow())
    db.commit()
    return {"marked": n}
