"""REST API for work orders (/api/v1/orders …)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.db import commit_or_conflict, integrity_conflict
from hotline.errors import Conflict, NotFound
from hotline.idempotency import service as idem
from hotline.orders import service
from hotline.orders.actor import Actor
from hotline.orders.attachments import attachment_path
from hotline.orders.enums import Channel
from hotline.orders.flows import do_action, do_attach, do_intake
from hotline.orders.models import Attachment, Order
from hotline.orders.schemas import ActionIn, OrderCreate, OrderDetailOut, OrderOut, OrderPage
from hotline.org.deps import CurrentUser, ReplicaSessionDep, SessionDep
from hotline.validation import DbId, Moment, MomentEnd, Page

router = APIRouter(prefix="/api/v1", tags=["orders"])


def _lang(request: Request) -> str:
    return "en" if request.cookies.get("lang") == "en" else "zh"


def _duplicate_external_id(db: Session, data: dict[str, Any]) -> Conflict | None:
    """``external_id`` is unique per channel (the source): a second order for it is a 409."""
    ext = data.get("external_id")
    if not ext:
        return None
    channel = data.get("channel") or Channel.phone.value
    number = db.scalar(select(Order.number).where(Order.channel == channel, Order.external_id == ext))
    if number is None:
        return None
    return Conflict("duplicate_external_id", f"外部编号 {ext} 已受理为工单 {number}，不能重复创建",
                    f"external id {ext} from channel {channel} is already order {number}", number=number)


@router.post("/orders", response_model=OrderDetailOut, status_code=201, summary="受理 · create an order",
             description="Send an `Idempotency-Key` header to make retries safe: the same key from the same "
             "client returns the first response (with `Idempotent-Replayed: true`) and never a second order. "
             "An `external_id` is unique per channel; a duplicate is 409 `duplicate_external_id`. "
             "See docs/api.md.")
def create_order(body: OrderCreate, db: SessionDep, user: CurrentUser, request: Request,
                 idempotency_key: Annotated[str | None, Header(alias=idem.HEADER)] = None) -> Response:
    data = body.model_dump(mode="json")
    claim = idem.claim(db, client=f"user:{user.id}", key=idem.key_of(request),
                       fingerprint=idem.fingerprint("POST", request.url.path, data))
    if claim.replay is not None:
        return claim.replay
    if (dup := _duplicate_external_id(db, data)) is not None:
        raise dup
    try:
        with service.holding_new_rows(db):  # the response from what the request holds (issue #15)
            order = do_intake(db, actor=Actor.of(user), data=data)
        detail = OrderDetailOut.model_validate(service.present_new(db, order, user, lang=_lang(request)))
    except IntegrityError as exc:  # another request took the external id between our check and the insert
        db.rollback()
        raise _duplicate_external_id(db, data) or integrity_conflict(exc) from exc
    response = JSONResponse(detail.model_dump(mode="json", by_alias=True), status_code=201)
    idem.record(db, claim, response=response, order_number=order.number)
    try:
        commit_or_conflict(db)
    except Conflict as exc:
        if exc.code == "duplicate_external_id":
            raise _duplicate_external_id(db, data) or exc from exc
        raise
    return response


@router.get("/orders", response_model=OrderPage, summary="工单列表 · list orders visible to you")
def list_orders(
    db: ReplicaSessionDep, user: CurrentUser, request: Request,
    status: Annotated[list[str] | None, Query()] = None, kind: str | None = None, category: str | None = None,
    unit: str | None = None, channel: str | None = None, urgency: str | None = None, q: str | None = None,
    overdue: bool | None = None, open_only: bool = False, phone: str | None = None,
    created_from: Moment | None = None, created_to: MomentEnd | None = None,
    page: Annotated[Page, Query()] = 1, size: Annotated[int, Query(ge=1, le=200)] = 50,
    requester_type: Literal["citizen", "enterprise"] | None = None,
) -> dict[str, Any]:
    f = service.OrderFilter(status=status or [], kind=kind, category=category, unit=unit, channel=channel,
                            urgency=urgency, requester_type=requester_type, q=q, overdue=overdue,
                            open_only=open_only, phone=phone,
                            created_from=created_from, created_to=created_to)
    total, rows = service.list_orders(db, user=user, f=f, page=page, size=size)
    return {"total": total, "page": page, "size": size,
            "items": [service.present(db, o, user, lang=_lang(request)) for o in rows]}


@router.get("/orders/{number}", response_model=OrderDetailOut, summary="工单详情 · one order with its timeline")
def get_order(number: str, db: SessionDep, user: CurrentUser, request: Request) -> dict[str, Any]:
    return service.present_detail(db, service.get_order(db, number=number, user=user), user, lang=_lang(request))


@router.post("/orders/{number}/actions", response_model=OrderDetailOut,
             summary="办理 · take an action (dispatch, sign, return, reply …)")
def act(number: str, body: ActionIn, db: SessionDep, user: CurrentUser, request: Request) -> dict[str, Any]:
    order = service.get_order(db, number=number, user=user)
    do_action(db, order=order, actor=Actor.of(user), action=body.action, payload=body.payload(),
              expected_version=body.expected_version)
    commit_or_conflict(db)
    db.refresh(order)
    return service.present_detail(db, order, user, lang=_lang(request))


@router.post("/orders/{number}/attachments", status_code=201, summary="上传附件 · attach a file")
async def upload(number: str, db: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()]
                 ) -> dict[str, Any]:
    order = service.get_order(db, number=number, user=user)
    from hotline.config import get_settings

    data = await file.read(get_settings().max_upload_bytes + 1)
    att = do_attach(db, order=order, actor=Actor.of(user), filename=file.filename or "file", data=data)
    commit_or_conflict(db)
    return {"id": att.id, "filename": att.filename, "content_type": att.content_type, "size": att.size}


@router.get("/orders/{number}/attachments/{att_id}", summary="下载附件 · download an attachment")
def download(number: str, att_id: DbId, db: SessionDep, user: CurrentUser) -> FileResponse:
    order = service.get_order(db, number=number, user=user)
    att = db.scalar(select(Attachment).where(Attachment.id == att_id, Attachment.order_id == order.id))
    if att is None:
        raise NotFound("attachment_not_found", "找不到附件", "attachment not found")
    return FileResponse(attachment_path(att), media_type=att.content_type, filename=att.filename)


@router.get("/queues/dispatcher", summary="派单队列 · new, returned, extension and reply-review orders")
def dispatcher_queue(db: SessionDep, user: CurrentUser, request: Request) -> dict[str, list[OrderOut]]:
    from hotline.city.schema import Role
    from hotline.errors import Forbidden

    if user.role not in (Role.dispatcher, Role.operator, Role.supervisor):
        raise Forbidden("role_not_allowed", "仅派单员可查看派单队列", "only dispatchers have a dispatch queue")
    queues = service.dispatcher_queue(db, user=user)
    return {k: [service.present(db, o, user, lang=_lang(request)) for o in v] for k, v in queues.items()}


@router.get("/inbox", summary="承办单位待办 · the unit's inbox")
def inbox(db: SessionDep, user: CurrentUser, request: Request) -> dict[str, list[OrderOut]]:
    queues = service.unit_inbox(db, user=user)
    return {k: [service.present(db, o, user, lang=_lang(request)) for o in v] for k, v in queues.items()}
