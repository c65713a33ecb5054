"""Portal writes: a citizen's demand (through the core intake flow) and a citizen's rating.

Orders are created only by ``hotline.orders.flows.do_create_order`` with the
``CITIZEN_ACTOR`` and channel ``web``; photos go through ``do_attach``.  A rating
changes no status, so it is an ``OrderEvent`` (the order's own audit trail) with
the rating in ``data`` — not a state-machine action.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Kind
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict
from hotline.orders.actor import CITIZEN_ACTOR
from hotline.orders.attachments import sniff
from hotline.orders.enums import FINISHED, Action, Channel, Status
from hotline.orders.flows import do_attach, do_create_order
from hotline.orders.models import Order, OrderEvent
from hotline.orders.schemas import DEMAND_MAX, PHONE_RE, demand_too_long

CONTENT_MIN, CONTENT_MAX = 10, DEMAND_MAX
MAX_PHOTOS = 3
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
RATINGS = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意"}


def _bad(code: str, zh: str, en: str, field: str) -> BadRequest:
    return BadRequest(code, zh, en, field=field)


def clean_demand(form: dict[str, Any]) -> dict[str, Any]:
    """Validate the portal form; every message in Chinese and English."""
    kind = (form.get("kind") or "").strip()
    if kind not in {k.value for k in Kind}:
        raise _bad("kind_required", "请选择诉求类型", "choose the kind of demand", "kind")
    content = re.sub(r"\s+", " ", (form.get("content") or "").strip())
    if len(content) < CONTENT_MIN:
        raise _bad("content_too_short", f"请详细描述诉求（至少{CONTENT_MIN}个字）",
                   f"describe the demand (at least {CONTENT_MIN} characters)", "content")
    if len(content) > CONTENT_MAX:
        raise _bad("content_too_long", *demand_too_long(len(content)), "content")
    phone = re.sub(r"\s", "", form.get("phone") or "")
    if not re.match(PHONE_RE, phone):
        raise _bad("bad_phone", "请填写正确的手机号码或带区号的固定电话", "enter a valid mobile or landline number",
                   "phone")
    address = (form.get("address") or "").strip()
    if len(address) > 200:
        raise _bad("address_too_long", "地址不能超过200个字", "the address may be at most 200 characters", "address")
    name = (form.get("name") or "").strip()
    if len(name) > 32:
        raise _bad("name_too_long", "姓名不能超过32个字", "the name may be at most 32 characters", "name")
    title = content[:24] + ("…" if len(content) > 24 else "")
    return {"kind": kind, "title": title, "content": content, "channel": Channel.web.value,
            "citizen_phone": phone, "citizen_name": name or None, "address": address or None}


def check_photos(photos: list[tuple[str, bytes]]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise _bad("too_many_photos", f"最多上传{MAX_PHOTOS}张照片", f"at most {MAX_PHOTOS} photos", "photos")
    for _name, data in photos:
        if data and sniff(data) not in PHOTO_TYPES:
            raise _bad("bad_photo_type", "照片只接受 JPG、PNG、GIF、WebP 格式",
                       "photos must be JPG, PNG, GIF or WebP", "photos")


def do_submit_demand(db: Session, *, form: dict[str, Any], photos: list[tuple[str, bytes]],
                     now: datetime | None = None) -> Order:
    data = clean_demand(form)
    check_photos(photos)
    order = do_create_order(db, actor=CITIZEN_ACTOR, data=data, now=now)
    for filename, blob in photos:
        if blob:
            do_attach(db, order=order, actor=CITIZEN_ACTOR, filename=filename, data=blob, now=now)
    return order


def existing_rating(db: Session, order: Order) -> str | None:
    for data in db.scalars(select(OrderEvent.data).where(OrderEvent.order_id == order.id,
                                                         OrderEvent.actor_role == "citizen")):
        if data and data.get("rating"):
            return str(data["rating"])
    return None


def do_rate(db: Session, *, order: Order, rating: str, comment: str = "", now: datetime | None = None) -> OrderEvent:
    """The citizen's evaluation of a completed order (one per order)."""
    now = now or utcnow()
    if rating not in RATINGS:
        raise _bad("bad_rating", "请选择满意、基本满意或不满意", "choose satisfied, basic or dissatisfied", "rating")
    if Status(order.status) not in FINISHED:
        raise Conflict("not_rateable", "工单办结后才能评价", "an order can be rated once it is completed")
    if existing_rating(db, order):
        raise Conflict("already_rated", "您已评价过该工单", "this order has already been rated")
    comment = (comment or "").strip()[:500]
    ev = OrderEvent(order_id=order.id, at=now, actor_id=None, actor_label=CITIZEN_ACTOR.label,
                    actor_role=CITIZEN_ACTOR.role, action=Action.comment.value, from_status=order.status,
                    to_status=order.status, note=f"市民评价：{RATINGS[rating]}" + (f"。{comment}" if comment else ""),
                    data={"rating": rating, "source": "portal", "comment": comment})
    db.add(ev)
    db.flush()
    return ev
