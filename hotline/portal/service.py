"""What the portal shows a citizen about their own order — and nothing else.

The second factor is the full phone number given at submission: an order is
found only when number and phone both match (compared in constant time), and
the look-up is rate limited per address and per order number.  The citizen sees
the status, the milestones' dates, the lead unit's reply text and their own
attachments' names; never internal notes, staff or unit names, co-handlers'
opinions, or anything of other orders.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import KIND_LABELS_ZH, Kind
from hotline.orders.enums import FINISHED, STATUS_ZH, Status
from hotline.orders.models import Order, Reply

CITIZEN_STATUS = {
    Status.received: "已受理", Status.at_subcentre: "已受理", Status.dispatched: "办理中",
    Status.in_progress: "办理中", Status.return_requested: "办理中", Status.suspended: "办理中",
    Status.replied: "已答复", Status.completed: "已办结", Status.closed: "已办结",
    Status.handed_off: "已转应急部门", Status.informed: "已告知办理渠道", Status.withdrawn: "已撤回",
    Status.merged: "已合并处理",
    Status.transfer_sent: "转办中", Status.transferred_out: "已转至其他城市热线办理",
    Status.transfer_pending: "已受理", Status.transfer_returned: "已退回原热线办理",
}


def find_own_order(db: Session, *, number: str, phone: str) -> Order | None:
    number = (number or "").strip().upper()
    phone = re.sub(r"\s", "", phone or "")
    if not number or not phone or len(number) > 32:
        return None
    order = db.scalar(select(Order).where(Order.number == number))
    if order is None or not order.citizen_phone:
        return None
    if not hmac.compare_digest(order.citizen_phone.encode(), phone.encode()):
        return None
    return order


def citizen_view(db: Session, order: Order) -> dict[str, Any]:
    replies = db.scalars(select(Reply).where(Reply.order_id == order.id, Reply.kind.in_(("reply", "first_contact")))
                         .order_by(Reply.id)).all()
    status = Status(order.status)
    milestones = [("受理", order.created_at), ("派单", order.first_dispatched_at), ("答复", order.replied_at),
                  ("办结", order.completed_at)]
    return {
        "number": order.number, "status": status.value, "status_label": CITIZEN_STATUS[status],
        "detail_label": STATUS_ZH[status], "kind_label": KIND_LABELS_ZH.get(Kind(order.kind), order.kind),
        "title": order.title, "content": order.content, "address": order.address,
        "created_at": order.created_at, "milestones": [(k, v) for k, v in milestones if v is not None],
        "replies": [{"content": r.content, "at": r.created_at} for r in replies],
        "inform_channel": order.inform_channel if status == Status.informed else None,
        "attachments": [a.filename for a in order.attachments],
        "rateable": status in FINISHED,
        "transfer": _transfer(db, order),
    }


def _transfer(db: Session, order: Order) -> dict[str, Any] | None:
    """转办: tracking the original number follows the order to the other city's hotline."""
    from hotline.transfers.service import follow

    went = follow(db, order)
    if went is None:
        return None
    status = went["status"]
    return {**went, "status_label": CITIZEN_STATUS[Status(status)] if status else None}


def callback_rating_link(db: Session, order: Order) -> str | None:
    """The callbacks package's signed self-rating link for this order, when that package is installed.

    Coordinated defensively: without ``hotline.callbacks`` (or without a pending
    task for the order) the portal falls back to its own satisfied/basic/dissatisfied form.
    """
    try:
        from hotline.callbacks.links import rating_path
        from hotline.callbacks.models import CallbackTask
    except ImportError:
        return None
    task = db.scalar(select(CallbackTask).where(CallbackTask.order_id == order.id, CallbackTask.state == "pending")
                     .order_by(CallbackTask.id.desc()).limit(1))
    return rating_path(task.id) if task is not None else None
