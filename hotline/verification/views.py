"""REST API for on-site checks and patrol reports (/api/v1/site-checks, /api/v1/grid/reports).

The grid worker's phone app queues its writes while offline and replays them with an
``Idempotency-Key`` (hotline/idempotency): a replay gets the first response and changes nothing.
Photos go into the request's fingerprint by their SHA-256, so the same key with other photos is 422.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from hotline.city.schema import Kind
from hotline.config import get_settings
from hotline.db import commit_or_conflict
from hotline.idempotency import service as idem
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.replies import service as replies
from hotline.validation import DbId
from hotline.verification import flows, service
from hotline.verification.photos import MAX_PHOTO_BYTES, MAX_PHOTOS
from hotline.web.uploads import read_uploads

router = APIRouter(prefix="/api/v1", tags=["verification"])


class CheckIn(BaseModel):
    number: str = Field(max_length=32)
    unit: str | None = Field(None, max_length=64, description="the community's code; default: the order's territory")
    instructions: str = Field(max_length=1000)
    flag_id: DbId | None = None


async def read_photos(files: list[UploadFile] | None) -> list[tuple[str, bytes]]:
    return await run_in_threadpool(read_uploads, files, max_count=MAX_PHOTOS,
                                   max_bytes=min(MAX_PHOTO_BYTES, get_settings().max_upload_bytes), field="photos",
                                   noun=("张照片", "photos"))


def _fingerprint(request: Request, fields: dict[str, Any], photos: list[tuple[str, bytes]]) -> str:
    return idem.fingerprint("POST", request.url.path,
                            {**fields, "photos": [hashlib.sha256(b).hexdigest() for _n, b in photos]})


def order_check(db: SessionDep, user: Any, body: CheckIn) -> dict[str, Any]:
    order = orders.get_order(db, number=body.number, user=user)
    flag = replies.get_flag(db, flag_id=body.flag_id, user=user) if body.flag_id else None
    code = body.unit or (c.code if (c := flows.default_community(db, order)) is not None else "")
    check = flows.do_order_check(db, order=order, actor=Actor.of(user), unit_code=code,
                                 instructions=body.instructions, flag=flag)
    commit_or_conflict(db)
    return service.present(check)


@router.post("/site-checks", status_code=201, summary="安排现场核查 · a reviewer or supervisor orders an on-site check")
def create_check(body: CheckIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return order_check(db, user, body)


@router.get("/site-checks", summary="现场核查 · the centre's list (state filter)")
def list_checks(db: SessionDep, user: CurrentUser, state: str | None = None) -> list[dict[str, Any]]:
    return [service.present(c) for c in service.list_checks(db, user=user, state=state)]


@router.get("/site-checks/mine", summary="我的核查任务 · a grid worker's community's checks")
def my_checks(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return {"user": {"name": user.name, "unit": user.unit.name},
            "checks": [service.present(c) for c in service.my_checks(db, user=user)]}


@router.get("/site-checks/{check_id}", summary="一项现场核查")
def get_check(check_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.present(service.get_check(db, check_id=check_id, user=user))


@router.post("/site-checks/{check_id}/result",
             summary="登记核查结果 · multipart: result, note, latitude, longitude, accuracy_m, observed_at, photos; "
                     "honours Idempotency-Key")
async def record_result(request: Request, check_id: DbId, db: SessionDep, user: CurrentUser,
                        result: Annotated[str, Form(max_length=16)], note: Annotated[str, Form(max_length=2000)],
                        latitude: Annotated[float | None, Form(ge=-90, le=90)] = None,
                        longitude: Annotated[float | None, Form(ge=-180, le=180)] = None,
                        accuracy_m: Annotated[float | None, Form(ge=0, le=100000)] = None,
                        observed_at: Annotated[datetime | None, Form()] = None,
                        photos: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    data = await read_photos(photos)
    fields = {"result": result, "note": note, "latitude": latitude, "longitude": longitude, "accuracy_m": accuracy_m,
              "observed_at": observed_at.isoformat() if observed_at else None}
    return await run_in_threadpool(_record, request, db, user, check_id, fields, observed_at, data)


def _record(request: Request, db: SessionDep, user: Any, check_id: int, fields: dict[str, Any],
            observed_at: datetime | None, data: list[tuple[str, bytes]]) -> Response:
    claim = idem.claim(db, client=f"user:{user.id}", key=idem.key_of(request),
                       fingerprint=_fingerprint(request, fields, data))
    if claim.replay is not None:
        return claim.replay
    check = service.get_check(db, check_id=check_id, user=user)
    flows.do_complete_check(db, check=check, actor=Actor.of(user), result=fields["result"], note=fields["note"],
                            latitude=fields["latitude"], longitude=fields["longitude"],
                            accuracy_m=fields["accuracy_m"], observed_at=observed_at, photos=data)
    response = JSONResponse(jsonable_encoder({**service.present(check), "order_status": check.order.status}))
    idem.record(db, claim, response=response, order_number=check.order.number)
    commit_or_conflict(db)
    return response


@router.post("/grid/reports", status_code=201,
             summary="网格员主动发现 · multipart: title, content, address, kind, latitude, longitude, photos; "
                     "an order of channel 网格; honours Idempotency-Key")
async def patrol_report(request: Request, db: SessionDep, user: CurrentUser,
                        title: Annotated[str, Form(min_length=2, max_length=60)],
                        content: Annotated[str, Form(min_length=5, max_length=4000)],
                        address: Annotated[str | None, Form(max_length=200)] = None,
                        kind: Annotated[Kind, Form()] = Kind.help,
                        latitude: Annotated[float | None, Form(ge=-90, le=90)] = None,
                        longitude: Annotated[float | None, Form(ge=-180, le=180)] = None,
                        photos: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    data = await read_photos(photos)
    fields = {"title": title.strip(), "content": content.strip(), "address": (address or "").strip() or None,
              "kind": kind.value, "latitude": latitude, "longitude": longitude}
    return await run_in_threadpool(_report, request, db, user, fields, data)


def _report(request: Request, db: SessionDep, user: Any, fields: dict[str, Any],
            data: list[tuple[str, bytes]]) -> Response:
    claim = idem.claim(db, client=f"user:{user.id}", key=idem.key_of(request),
                       fingerprint=_fingerprint(request, fields, data))
    if claim.replay is not None:
        return claim.replay
    order = flows.do_patrol_report(db, actor=Actor.of(user), data=fields, photos=data)
    response = JSONResponse({"number": order.number, "status": order.status, "channel": order.channel},
                            status_code=201)
    idem.record(db, claim, response=response, order_number=order.number)
    commit_or_conflict(db)
    return response
