"""REST API for reply quality (/api/v1/replies …): score a text, an order's reply score, flags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from hotline.appeals.views import read_files
from hotline.db import commit_or_conflict, utcnow
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.replies import flows, quality, service
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/replies", tags=["replies"])


class ScoreIn(BaseModel):
    reply: str = Field(max_length=8000)
    message: str = Field("", max_length=20000)
    subject: str = Field("", max_length=500)


class DecisionIn(BaseModel):
    upheld: bool
    note: str = Field(max_length=2000)


@router.post("/score", summary="答复质量评分 · score a reply against a demand (no order needed)")
def score_text(body: ScoreIn, user: CurrentUser) -> dict[str, Any]:
    return quality.score(reply=body.reply, message=body.message, subject=body.subject).as_dict()


@router.get("/orders/{number}", summary="工单答复评分 · the latest reply's score, reasons and flag")
def order_score(number: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    order = orders.get_order(db, number=number, user=user)
    reply = service.latest_reply(db, order)
    if reply is None:
        return {"number": order.number, "reply": None}
    row = service.score_of(db, reply)
    s = service.score_reply(order, reply.content).as_dict() if row is None else {
        "quality": row.quality, "flag": row.flag, "reasons": row.reasons, "version": row.version}
    return {"number": order.number, "reply": {"id": reply.id, "content": reply.content}, **s}


@router.get("/flags", summary="标记（敷衍答复、疑似虚假办结） · the centre sees all, a unit its own")
def list_flags(db: SessionDep, user: CurrentUser, state: str | None = None,
               kind: Literal["perfunctory", "suspected_fake"] | None = None) -> list[dict[str, Any]]:
    return [service.present_flag(f) for f in service.list_flags(db, user=user, state=state, kind=kind)]


@router.get("/fake-rates", summary="疑似虚假办结率 · each unit's rate beside its satisfaction rate, with sample sizes")
def fake_rates(request: Request, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    from hotline.kpi.service import period_from

    service.require_rates_viewer(user)
    period, label, _ = period_from(dict(request.query_params))
    return {"period": label, "rows": service.fake_rates(db, period=period, as_of=utcnow())}


@router.get("/flags/{flag_id}", summary="一条标记")
def get_flag(flag_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.present_flag(service.get_flag(db, flag_id=flag_id, user=user))


@router.post("/flags/{flag_id}/answer", summary="情况说明 · the unit explains (multipart, evidence files optional)")
async def answer_flag(flag_id: DbId, db: SessionDep, user: CurrentUser,
                      explanation: Annotated[str, Form(max_length=4000)],
                      files: Annotated[list[UploadFile] | None, File()] = None) -> dict[str, Any]:
    data = await read_files(files)
    return _answer(db, user, flag_id, explanation, data)


def _answer(db: SessionDep, user: Any, flag_id: int, explanation: str, data: list[tuple[str, bytes]]) -> dict[str, Any]:
    flag = service.get_flag(db, flag_id=flag_id, user=user)
    flows.do_answer(db, flag=flag, actor=Actor.of(user), explanation=explanation, files=data)
    commit_or_conflict(db)
    return service.present_flag(flag)


@router.post("/flags/{flag_id}/decision", summary="裁定 · a supervisor upholds or clears, with a note")
def decide_flag(flag_id: DbId, body: DecisionIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    flag = service.get_flag(db, flag_id=flag_id, user=user)
    flows.do_decide(db, flag=flag, actor=Actor.of(user), upheld=body.upheld, note=body.note)
    commit_or_conflict(db)
    return service.present_flag(flag)
