"""REST API: search, read, create, edit, versions, due for review, answer an order from an entry."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hotline.db import commit_or_conflict
from hotline.knowledge import flows, service
from hotline.knowledge.schemas import EntryIn
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.scoping import is_centre, subtree_ids
from hotline.validation import DbId, Page

router = APIRouter(prefix="/api/v1", tags=["knowledge"])


class AnswerIn(BaseModel):
    entry_id: DbId
    content: str | None = Field(None, max_length=4000, description="the answer as adapted for this caller")


@router.get("/knowledge", summary="知识库检索 · search or list entries")
def search(db: SessionDep, user: CurrentUser, q: Annotated[str, Query(max_length=200)] = "",
           page: Annotated[Page, Query()] = 1, size: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    if q.strip():
        hits = service.search(db, q=q, limit=size)
        return {"total": len(hits), "items": [service.present(e, s) for e, s in hits]}
    total, rows = service.list_entries(db, page=page, size=size)
    return {"total": total, "items": [service.present(e) for e in rows]}


@router.post("/knowledge", status_code=201, summary="新建知识条目 · create an entry")
def create(body: EntryIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    entry = flows.do_create_entry(db, actor=Actor.of(user), data=body)
    commit_or_conflict(db)
    return service.present(entry)


@router.get("/knowledge/due", summary="待复核 · entries due for review (your unit's, or all for the centre)")
def due(db: SessionDep, user: CurrentUser, within_days: Annotated[int, Query(ge=0, le=365)] = 0) -> list[dict]:
    units = None if is_centre(user) else subtree_ids(db, user.unit_id)
    today = date.today()  # noqa: DTZ011 - review dates are calendar dates
    return [service.present(e) for e in service.due_for_review(db, today=today, within_days=within_days,
                                                              unit_ids=units)]


@router.get("/knowledge/{entry_id}", summary="知识条目 · the current version")
def get(entry_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    e = service.get(db, entry_id=entry_id)
    return {**service.present(e), "can_edit": service.can_edit(db, user=user, owner_unit_id=e.owner_unit_id)}


@router.put("/knowledge/{entry_id}", summary="修改知识条目 · save a new version")
def edit(entry_id: DbId, body: EntryIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    e = flows.do_edit_entry(db, entry=service.get(db, entry_id=entry_id), actor=Actor.of(user), data=body)
    commit_or_conflict(db)
    return service.present(e)


@router.get("/knowledge/{entry_id}/versions", summary="版本历史 · every saved version, newest first")
def versions(entry_id: DbId, db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    service.get(db, entry_id=entry_id)
    return [service.present_version(v) for v in service.versions(db, entry_id=entry_id)]


@router.post("/orders/{number}/answer-from-knowledge", summary="即时办结 · answer an order from an entry")
def answer(number: str, body: AnswerIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    order = orders.get_order(db, number=number, user=user)
    flows.do_answer_from_entry(db, order=order, entry=service.get(db, entry_id=body.entry_id),
                               actor=Actor.of(user), content=body.content)
    commit_or_conflict(db)
    db.refresh(order)
    return orders.present_detail(db, order, user)
