"""REST API for appeals and designations (/api/v1/appeals …)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hotline.appeals import flows, service
from hotline.config import get_settings
from hotline.db import commit_or_conflict
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import DbId
from hotline.web.uploads import read_uploads

router = APIRouter(prefix="/api/v1/appeals", tags=["appeals"])


class DecisionIn(BaseModel):
    accept: bool
    note: str = Field(max_length=2000)
    redispatch_to: str = Field("", max_length=64, description="派单异议 sustained: redispatch (改派) to this unit")


MAX_EVIDENCE_FILES = 10


async def read_files(files: list[UploadFile] | None) -> list[tuple[str, bytes]]:
    """Evidence files: their number and declared sizes are checked before any byte is read."""
    return await run_in_threadpool(read_uploads, files, max_count=MAX_EVIDENCE_FILES,
                                   max_bytes=get_settings().max_upload_bytes)


@router.post("", status_code=201,
             summary="申诉/不合理诉求认定/派单异议 · file (multipart, evidence files optional)")
async def file_request(db: SessionDep, user: CurrentUser, number: Annotated[str, Form(max_length=32)],
                       kind: Annotated[str, Form(max_length=16)], reason: Annotated[str, Form(max_length=4000)],
                       evaluation_id: Annotated[DbId | None, Form()] = None,
                       basis: Annotated[str, Form(max_length=2000)] = "",
                       proposed_unit: Annotated[str, Form(max_length=64)] = "",
                       files: Annotated[list[UploadFile] | None, File()] = None) -> dict[str, Any]:
    data = await read_files(files)
    return _file(db, user, number, kind, reason, evaluation_id, data, basis, proposed_unit)


def _file(db: SessionDep, user: Any, number: str, kind: str, reason: str, evaluation_id: int | None,
          data: list[tuple[str, bytes]], basis: str = "", proposed_unit: str = "") -> dict[str, Any]:
    order = orders.get_order(db, number=number, user=user)
    req = flows.do_file(db, order=order, actor=Actor.of(user), kind=kind, reason=reason,
                        evaluation_id=evaluation_id, files=data, basis=basis, proposed_unit=proposed_unit)
    commit_or_conflict(db)
    return service.present(req, user)


@router.get("", summary="申请列表 · the centre sees all, a unit its own")
def list_requests(db: SessionDep, user: CurrentUser, state: str | None = None) -> list[dict[str, Any]]:
    return [service.present(r, user) for r in service.list_requests(db, user=user, state=state)]


@router.post("/{request_id}/decision", summary="审核 · accept or reject with a reason")
def decide(request_id: DbId, body: DecisionIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    req = service.get_request(db, request_id=request_id, user=user)
    flows.do_decide(db, req=req, actor=Actor.of(user), accept=body.accept, note=body.note,
                    redispatch_to=body.redispatch_to)
    commit_or_conflict(db)
    return service.present(req, user)


@router.get("/history/{number}", summary="诉求人历史 · all orders from the same phone (centre only)")
def history(number: str, db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    order = orders.get_order(db, number=number, user=user)
    return service.caller_history(db, order=order, user=user)


@router.get("/order/{number}", summary="工单评价与申诉 · evaluations (excluded or not) and requests of one order")
def order_panel(number: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    order = orders.get_order(db, number=number, user=user)
    p = service.order_panel(db, order=order, user=user)
    return {
        "designated": p["designated"], "requests": p["requests"],
        "evaluations": [{"id": e.id, "at": e.at, "channel": e.channel, "solved": e.solved,
                         "satisfaction": e.satisfaction, "unit": e.unit.code if e.unit else None,
                         "excluded_reason": e.excluded_reason} for e in p["evaluations"]],
        "callback_tasks": [{"id": t.id, "state": t.state, "skip_reason": t.skip_reason} for t in p["tasks"]],
    }
