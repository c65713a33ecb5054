"""REST API for callbacks (/api/v1/callbacks …): queue, record a call, review, opt-out."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hotline.callbacks import flows, service
from hotline.db import commit_or_conflict
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/callbacks", tags=["callbacks"])


class CallIn(BaseModel):
    reached: bool
    solved: bool | None = None
    satisfaction: Literal["satisfied", "basic", "dissatisfied"] | None = None
    comment: str | None = Field(None, max_length=2000)
    recording_note: str | None = Field(None, max_length=500)  # 录音备注, e.g. the recording's id and minute


class ReviewIn(BaseModel):
    decision: Literal["reopen", "close"]
    reason: str = Field(max_length=2000)


class OptOutIn(BaseModel):
    note: str | None = Field(None, max_length=500)


@router.get("", summary="回访队列 · due tasks (oldest first), review list, upcoming")
def get_queue(db: SessionDep, user: CurrentUser) -> dict[str, list[dict[str, Any]]]:
    service.require_centre(user)
    return {k: [service.present(t) for t in v] for k, v in service.queue(db).items()}


@router.post("/{task_id}/calls", summary="登记回访 · record one call attempt")
def record_call(task_id: DbId, body: CallIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    service.require_centre(user)
    task = service.get_task(db, task_id)
    flows.do_record_call(db, task=task, actor=Actor.of(user), payload=body.model_dump())
    commit_or_conflict(db)
    return service.present(task)


@router.post("/{task_id}/review", summary="回访审核 · reopen or archive an unsolved/dissatisfied order")
def review(task_id: DbId, body: ReviewIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    service.require_centre(user)
    task = service.get_task(db, task_id)
    flows.do_review(db, task=task, actor=Actor.of(user), decision=body.decision, reason=body.reason)
    commit_or_conflict(db)
    return service.present(task)


@router.post("/opt-out/{number}", summary="不愿回访 · the citizen declines callbacks for this order")
def opt_out(number: str, body: OptOutIn, db: SessionDep, user: CurrentUser) -> dict[str, str]:
    order = orders.get_order(db, number=number, user=user)
    flows.do_opt_out(db, order=order, actor=Actor.of(user), note=body.note)
    commit_or_conflict(db)
    return {"number": number, "callback": "declined"}
