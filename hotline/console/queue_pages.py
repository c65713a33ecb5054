"""派单队列 and 待办: the dispatcher's queue and a handling unit's inbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hotline.console import support as cs
from hotline.console.order_pages import SORTS, _filters, _query
from hotline.db import utcnow
from hotline.orders import service
from hotline.orders.models import Order
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


# The filters each list offers (saved views of the list keep exactly these; hotline/worklists).
# The sections are the statuses, so no status filter; a unit's inbox is its own units, so no unit.
LIST_KEYS = {
    "queue": ("q", "kind", "category", "unit", "territory", "urgency", "light", "overdue", "sort"),
    "inbox": ("q", "kind", "category", "territory", "urgency", "light", "overdue", "sort"),
}
LIGHTS = ("red", "yellow", "green")  # 超期 / 临期 / 正常


def list_filter(params: dict[str, str], list_: str) -> tuple[service.OrderFilter, dict[str, str]]:
    """The queue's or the inbox's filter, read as leniently as the order list's (``order_pages._filters``)."""
    keys = LIST_KEYS[list_]
    f, clean = _filters({k: v for k, v in params.items() if k in keys})
    light = (params.get("light") or "").strip()
    f.light = light if light in LIGHTS else None
    clean["light"] = f.light or ""
    return f, {k: v for k, v in clean.items() if k in keys}


def list_sections(db: Session, user: User, list_: str, f: service.OrderFilter,
                  found: dict[str, list[Order]] | None = None) -> dict[str, list[Order]]:
    """The queue's or the inbox's sections, each keeping the orders the filter matches.

    The one definition of what a queue or inbox view holds: the page lists it, the views bar counts it
    (``found``: the unfiltered sections, when the bar counts several views of one list).
    """
    if found is None:
        found = unfiltered_sections(db, user, list_)
    if f == service.OrderFilter():
        return found
    ids = {o.id for rows in found.values() for o in rows}
    keep = ids if replace(f, light=None) == service.OrderFilter() else service.matching_ids(db, user=user, f=f, ids=ids)
    if f.light:
        now = utcnow()
        keep = {o.id for rows in found.values() for o in rows if o.id in keep and service.traffic_light(o, now) == f.light}
    return {k: [o for o in rows if o.id in keep] for k, rows in found.items()}


def unfiltered_sections(db: Session, user: User, list_: str) -> dict[str, list[Order]]:
    return service.dispatcher_queue(db, user=user) if list_ == "queue" else service.unit_inbox(db, user=user)


def list_count(sections: dict[str, list[Order]]) -> int:
    """How many orders a list holds: each once, even if it sits in two sections."""
    return len({o.id for rows in sections.values() for o in rows})


def filter_ctx(db: Session, request: Request, list_: str, clean: dict[str, str]) -> dict[str, Any]:
    """What the list's filter form shows (partials/list_filters.html)."""
    return {
        "list_name": list_, "f": clean, "list_keys": LIST_KEYS[list_], "list_query": _query(clean),
        "view_id": request.query_params.get("view", ""), "kinds": cs.KIND_LABELS, "urgencies": cs.URGENCY_LABELS,
        "sorts": SORTS, "lights": [(code, cs.LIGHT_LABELS[code]) for code in LIGHTS], "category_groups": cs.category_groups(db, leaves_only=False),
        "unit_groups": cs.unit_groups(db) if "unit" in LIST_KEYS[list_] else [],
        "territory_groups": cs.territory_groups(db),
    }


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
    f, clean = list_filter(dict(request.query_params), "queue")
    queues = list_sections(db, user, "queue", f)
    by_light = clean["sort"] == "light"
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
    return render(request, "queue.html", {"sections": sections, "by_light": by_light, "total": list_count(queues),
                                          "filtered": f != service.OrderFilter(),
                                          **filter_ctx(db, request, "queue", clean)})


def inbox_ctx(db: Session, user: User, lang: str, by_light: bool = False,
              f: service.OrderFilter | None = None) -> dict[str, Any]:
    f = f or service.OrderFilter()
    boxes = list_sections(db, user, "inbox", f)
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
    return {"sections": sections, "by_light": by_light, "total": list_count(boxes), "filtered": f != service.OrderFilter()}


@router.get("/inbox")
def inbox(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, INBOX_ROLES)
    f, clean = list_filter(dict(request.query_params), "inbox")
    ctx = inbox_ctx(db, user, lang_of(request), clean["sort"] == "light", f)
    return render(request, "inbox.html", {**ctx, **filter_ctx(db, request, "inbox", clean)})
