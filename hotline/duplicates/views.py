"""REST API: duplicate candidates, merge / unmerge, repeat calls, caller history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from hotline.db import commit_or_conflict
from hotline.duplicates import flows, service
from hotline.duplicates.similarity import Doc
from hotline.errors import Forbidden
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.models import Order
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.scoping import is_centre, require_repeat_handler
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1", tags=["duplicates"])


class DraftIn(BaseModel):
    title: str = Field("", max_length=200)
    content: str = Field("", max_length=8000)
    address: str = Field("", max_length=400)
    territory_code: str | None = Field(None, max_length=64)
    category_code: str | None = Field(None, max_length=32)
    citizen_phone: str | None = Field(None, max_length=20)


class MergeIn(BaseModel):
    children: list[str] = Field(min_length=1, max_length=50, description="numbers of the duplicate orders")
    note: str | None = Field(None, max_length=1000)


class UnmergeIn(BaseModel):
    reason: str = Field(min_length=2, max_length=1000)


class ResolveIn(BaseModel):
    state: str = Field(pattern="^(done|dismissed)$")


def _centre(user: Any) -> None:
    if not is_centre(user) and user.role != "dispatcher":
        raise Forbidden("centre_only", "仅热线中心和分中心可查重", "duplicate lookup is for the centre")


@router.post("/duplicates/check", summary="查重 · likely duplicates of a draft demand")
def check(body: DraftIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _centre(user)
    doc = Doc(f"{body.title}\n{body.content}".strip(), body.address, body.territory_code, body.category_code)
    return {"candidates": [c.as_dict() for c in service.find(db, user=user, doc=doc, phone=body.citizen_phone)]}


@router.get("/orders/{number}/duplicates", summary="疑似重复工单 · candidates, merged children, parent")
def for_order(number: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _centre(user)
    order = orders.get_order(db, number=number, user=user)
    parent = db.get(Order, order.parent_id) if order.parent_id else None
    return {"number": order.number, "parent": parent.number if parent else None,
            "children": [{"number": c.number, "title": c.title, "status": c.status}
                         for c in service.children(db, order=order)],
            "candidates": [c.as_dict() for c in service.for_order(db, user=user, order=order)]}


@router.post("/orders/{number}/merge", summary="并单 · merge duplicate orders into this one")
def merge(number: str, body: MergeIn, db: SessionDep, user: CurrentUser, request: Request) -> dict[str, Any]:
    parent = orders.get_order(db, number=number, user=user)
    kids = [orders.get_order(db, number=n, user=user) for n in dict.fromkeys(body.children)]
    flows.do_merge(db, parent=parent, children=kids, actor=Actor.of(user), note=body.note)
    commit_or_conflict(db)
    db.refresh(parent)
    return orders.present_detail(db, parent, user)


@router.post("/orders/{number}/unmerge", summary="撤销并单 · restore a merged order")
def unmerge(number: str, body: UnmergeIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    child = orders.get_order(db, number=number, user=user)
    flows.do_unmerge(db, child=child, actor=Actor.of(user), reason=body.reason)
    commit_or_conflict(db)
    db.refresh(child)
    return orders.present_detail(db, child, user)


@router.get("/callers/{phone}/history", summary="来电人历史 · a caller's past orders (centre only)")
def caller_history(phone: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.caller_history(db, user=user, phone=phone[:20])


@router.get("/repeat-links", summary="重复来电 · repeat calls awaiting a dispatcher")
def repeat_links(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    require_repeat_handler(user)
    return [{"id": link.id, "order": o.number, "earlier": e.number, "earlier_status": e.status,
             "outcome": link.outcome, "score": link.score, "reasons": link.reasons, "created_at": link.created_at}
            for link, o, e in service.open_repeat_links(db)]


@router.post("/repeat-links/{link_id}", summary="处理重复来电 · mark a repeat suggestion done or dismissed")
def resolve_repeat(link_id: DbId, body: ResolveIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    require_repeat_handler(user)
    link = flows.do_resolve_repeat(db, link_id=link_id, actor=Actor.of(user), state=body.state)
    commit_or_conflict(db)
    return {"id": link.id, "state": link.state}

