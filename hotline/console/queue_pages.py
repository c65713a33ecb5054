"""派单队列 and 待办: the dispatcher's queue and a handling unit's inbox."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hotline.console import support as cs
from hotline.orders import service
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.web.pages import PageUser
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

QUEUE_ROLES = ("dispatcher", "operator", "supervisor")
INBOX_ROLES = ("unit_handler", "unit_leader")

QUEUE_SECTIONS = [
    ("new", "待派单", "新受理、等待派单的工单"),
    ("returns", "退单待审", "承办单位申请退回的工单，请审核退单理由"),
    ("extensions", "延期申请", "承办单位申请延长办理时限"),
    ("replies", "答复待审核", "承办单位已答复，审核通过后办结"),
    ("transfers", "转办待接收", "其他城市转来、等待本中心接收或退回的工单（接收时限按本市工作日计算）"),
]
INBOX_SECTIONS = [
    ("to_sign", "待签收", "派给本单位、尚未签收的工单"),
    ("in_progress", "办理中", "本单位主办、正在办理的工单"),
    ("co_handling", "协办", "本单位作为协办单位的工单"),
    ("replied", "已答复", "已答复、等待热线中心审核的工单"),
]


def _pending(db: Session, order: Any, kind: str) -> dict[str, Any] | None:
    for r in service.pending_requests(db, order):
        if r.kind == kind:
            return {"reason": r.reason, "extra_days": r.extra_days, "requested_at": r.requested_at,
                    "unit": r.unit.name}
    return None


def _transfer(db: Session, order: Any) -> dict[str, Any]:
    from hotline.transfers import service as transfers

    t = transfers.incoming_for(db, order)
    if t is None:
        return {}
    return {"due_at": t.due_at, "light": transfers.light(db, t),
            "request": {"reason": f"{transfers.city(db, t.city_id).name} · {t.reason}", "extra_days": None,
                        "requested_at": t.requested_at, "unit": ""}}


@router.get("/queue")
def queue(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, QUEUE_ROLES)
    lang = lang_of(request)
    queues = service.dispatcher_queue(db, user=user)
    by_light = request.query_params.get("sort") == "light"
    sections = []
    for key, title, hint in QUEUE_SECTIONS:
        rows = []
        found = queues.get(key, [])
        for o in service.sort_by_light(found) if by_light else found:
            r = cs.row(db, o, lang)
            if key == "returns":
                r["request"] = _pending(db, o, "return")
            elif key == "extensions":
                r["request"] = _pending(db, o, "extension")
            elif key == "transfers":  # the acceptance time limit and its light are the transfer's
                r.update(_transfer(db, o))
            # how long it has waited in this section
            since = {"new": o.created_at, "replies": o.replied_at}.get(key)
            if since is None and r.get("request"):
                since = r["request"]["requested_at"]
            r["waiting"] = cs.age(since or o.created_at, lang)
            rows.append(r)
        sections.append({"key": key, "title": title, "hint": hint, "rows": rows})
    return render(request, "queue.html", {"sections": sections, "by_light": by_light})


def inbox_ctx(db: Session, user: User, lang: str, by_light: bool = False) -> dict[str, Any]:
    boxes = service.unit_inbox(db, user=user)
    sections = []
    for key, title, hint in INBOX_SECTIONS:
        rows = []
        found = boxes.get(key, [])
        for o in service.sort_by_light(found) if by_light else found:
            r = cs.row(db, o, lang)
            r["can_sign"] = key == "to_sign" and "sign" in service.actions_for(db, o, user)
            r["request"] = _pending(db, o, "extension") or _pending(db, o, "return")
            rows.append(r)
        sections.append({"key": key, "title": title, "hint": hint, "rows": rows})
    return {"sections": sections, "by_light": by_light}


@router.get("/inbox")
def inbox(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, INBOX_ROLES)
    by_light = request.query_params.get("sort") == "light"
    return render(request, "inbox.html", inbox_ctx(db, user, lang_of(request), by_light))
