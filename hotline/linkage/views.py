"""The linkage API (docs/linkage.md): what a desk calls with its token — acknowledge, report status, hand a
demand to 12345 — and what the centre calls: its records on an order, a three-party call, the desks (admin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from hotline.city.schema import Role
from hotline.db import commit_or_conflict, utcnow
from hotline.errors import Forbidden
from hotline.linkage import flows, service
from hotline.linkage.models import LinkageDesk
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.models import Order
from hotline.orders.schemas import DEMAND_MAX, PHONE_RE
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import AwareMoment, DbId

router = APIRouter(prefix="/api/v1", tags=["linkage 联动"])

Desk = Literal["110", "119", "120", "122"]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AckIn(_In):
    receipt_number: Short = Field(description="the desk's own receipt number (接警单号)")
    received_by: Short = Field(description="the person who received it (接警人)")
    acked_at: AwareMoment | None = None


class StatusIn(_In):
    status: Literal["dispatched", "handling", "handled", "returned"]
    text: str = Field(min_length=2, max_length=2000)
    at: AwareMoment | None = None


class InboundIn(_In):
    desk: Desk
    receipt_number: Short
    caller_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_RE)] | None = None
    caller_name: str | None = Field(None, max_length=32)
    text: str = Field(min_length=5, max_length=DEMAND_MAX)
    title: str | None = Field(None, min_length=2, max_length=60)
    address: str | None = Field(None, max_length=200)
    occurred_at: AwareMoment | None = None
    reason: str | None = Field(None, max_length=500, description="why the desk hands it over (非警务类…)")
    kind: Literal["consultation", "help", "complaint", "report", "suggestion"] = "help"


class CallIn(_In):
    desk: Desk
    started_at: AwareMoment
    ended_at: AwareMoment
    participants: str = Field(min_length=2, max_length=500)
    outcome: Literal["12345", "desk", "both"]
    note: str | None = Field(None, max_length=2000)
    recording_ref: str | None = Field(None, max_length=200)


class DeskIn(_In):
    desk: Desk
    name: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=8, max_length=500)
    username: str = Field(min_length=1, max_length=64, description="the account the desk's API tokens act as")
    secret: str | None = Field(None, max_length=128)


@router.post("/linkage/{handoff_id}/ack", summary="联动单位签收 · a desk acknowledges a hand-off (desk token)")
def ack(handoff_id: DbId, body: AckIn, db: SessionDep, user: CurrentUser, response: Response) -> dict[str, Any]:
    h, changed = flows.do_ack(db, user=user, handoff_id=handoff_id, receipt=body.receipt_number,
                              received_by=body.received_by, at=body.acked_at, now=utcnow())
    commit_or_conflict(db)
    if not changed:
        response.headers["Idempotent-Replayed"] = "true"
    return service.as_json(service.present_handoff(db, h))


@router.post("/linkage/{handoff_id}/status", summary="联动单位反馈处置情况 · a desk reports status (desk token)")
def desk_status(handoff_id: DbId, body: StatusIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    h = flows.do_desk_status(db, user=user, handoff_id=handoff_id, status=body.status, text=body.text,
                             at=body.at, now=utcnow())
    commit_or_conflict(db)
    return service.as_json(service.present_handoff(db, h))


@router.post("/linkage/inbound", status_code=201,
             summary="110等移交12345的诉求 · a desk hands a demand to 12345 (desk token; once per receipt number)")
def inbound(body: InboundIn, db: SessionDep, user: CurrentUser, response: Response) -> dict[str, Any]:
    h, order, created = flows.do_inbound(db, user=user, data=body.model_dump(), now=utcnow())
    commit_or_conflict(db)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return {"handoff_id": h.id, "order_number": order.number, "status": order.status,
            "receipt_number": h.desk_receipt}


@router.get("/linkage/{handoff_id}", summary="联动记录 · one record (its desk's token, or the centre)")
def get_one(handoff_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    desk = db.scalar(select(LinkageDesk).where(LinkageDesk.user_id == user.id, LinkageDesk.active.is_(True)))
    h = flows.get_handoff(db, handoff_id, desk=desk)
    if desk is None:
        order = db.get(Order, h.order_id)
        assert order is not None
        orders.get_order(db, number=order.number, user=user)  # the centre's people: if they may see the order
    return service.as_json(service.present_handoff(db, h))


@router.get("/orders/{number}/linkage", summary="工单的联动记录与三方通话 · an order's linkage records")
def order_linkage(number: Annotated[str, StringConstraints(max_length=32)], db: SessionDep,
                  user: CurrentUser) -> dict[str, Any]:
    order = orders.get_order(db, number=number, user=user)
    handoffs, calls = service.for_order(db, order)
    return {"handoffs": [service.as_json(h) for h in handoffs], "calls": [service.as_json(c) for c in calls]}


@router.post("/orders/{number}/linkage-calls", status_code=201, summary="记录三方通话 · record a three-party call")
def record_call(number: Annotated[str, StringConstraints(max_length=32)], body: CallIn, db: SessionDep,
                user: CurrentUser) -> dict[str, Any]:
    service.require_caller(user)
    order = orders.get_order(db, number=number, user=user)
    call = flows.do_call(db, order=order, actor=Actor.of(user), data=body.model_dump(), now=utcnow())
    commit_or_conflict(db)
    return service.as_json(service.present_call(call))


def _admin(user: Any) -> None:
    if user.role != Role.admin:
        raise Forbidden("role_not_allowed", "只有管理员可配置联动单位", "only an admin configures linkage desks")


@router.get("/linkage-desks", summary="联动单位 · the city's desks (admin)")
def list_desks(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    _admin(user)
    return [service.present_desk(d) for d in db.scalars(select(LinkageDesk).order_by(LinkageDesk.desk))]


@router.post("/linkage-desks", status_code=201, summary="配置联动单位 · connect a desk (admin; secret shown once)")
def create_desk(body: DeskIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _admin(user)
    row = flows.do_create_desk(db, actor=user, desk=body.desk, name=body.name, url=body.url,
                               username=body.username, secret=body.secret)
    commit_or_conflict(db)
    return {**service.present_desk(row), "secret": row.secret}
