"""Reads of 联动: an order's records (the order page's panel) and their JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import Forbidden
from hotline.linkage.models import (
    DESK_STATUS_ZH,
    DIRECTION_ZH,
    OUTCOME_ZH,
    LinkageCall,
    LinkageDesk,
    LinkageHandoff,
)
from hotline.orders.enums import EMERGENCY_ZH, EmergencyService
from hotline.orders.models import Order
from hotline.org.models import User
from hotline.org.scoping import is_centre_in
from hotline.outbox.models import OutboxMessage

#: who records a three-party call: the centre's front desk and its supervisors
CALL_ROLES = frozenset({"operator", "dispatcher", "supervisor"})
#: the delivery of a hand-off to its desk (the outbox message's state); none: no desk configured
DELIVERY_ZH = {"pending": "待推送", "sent": "已推送", "failed": "推送失败", "cancelled": "已取消", None: "未配置对接"}


def may_record_call(user: User) -> bool:
    return is_centre_in(user, *CALL_ROLES)


def require_caller(user: User) -> None:
    if not may_record_call(user):
        raise Forbidden("role_not_allowed", "只有中心话务员、派单员、督办员可记录三方通话",
                        "only the centre's operators, dispatchers and supervisors record three-party calls")


def desk_label(code: str) -> str:
    return f"{code} {EMERGENCY_ZH[EmergencyService(code)]}" if code in set(EmergencyService) else code


def present_handoff(db: Session, h: LinkageHandoff) -> dict[str, Any]:
    delivery = db.scalar(select(OutboxMessage.state).where(OutboxMessage.dedupe_key == f"linkage:{h.id}:handoff"))
    return {"id": h.id, "desk": h.desk, "desk_label": desk_label(h.desk), "direction": h.direction,
            "direction_label": DIRECTION_ZH[h.direction], "reason": h.reason, "sent_at": h.sent_at, "sent_by": h.sent_by,
            "receipt_number": h.desk_receipt, "ack_at": h.ack_at, "ack_by": h.ack_by,
            "desk_status": h.desk_status, "desk_status_label": DESK_STATUS_ZH.get(h.desk_status or "", None),
            "desk_status_text": h.desk_status_text, "desk_status_at": h.desk_status_at,
            "delivery": delivery, "delivery_label": DELIVERY_ZH.get(delivery, delivery), "shared_until_closed": h.shared_until_closed}


def present_call(c: LinkageCall) -> dict[str, Any]:
    return {"id": c.id, "desk": c.desk, "desk_label": desk_label(c.desk), "started_at": c.started_at,
            "ended_at": c.ended_at, "participants": c.participants, "outcome": c.outcome,
            "outcome_label": OUTCOME_ZH[c.outcome], "note": c.note, "recording_ref": c.recording_ref,
            "recorded_by": c.recorded_by, "recorded_at": c.recorded_at}


def for_order(db: Session, order: Order) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    handoffs = db.scalars(select(LinkageHandoff).where(LinkageHandoff.order_id == order.id).order_by(LinkageHandoff.id))
    calls = db.scalars(select(LinkageCall).where(LinkageCall.order_id == order.id).order_by(LinkageCall.id))
    return [present_handoff(db, h) for h in handoffs], [present_call(c) for c in calls]


def present_desk(d: LinkageDesk) -> dict[str, Any]:
    return {"id": d.id, "desk": d.desk, "name": d.name, "url": d.url, "active": d.active,
            "secret_hint": d.secret[:4] + "…", "created_at": d.created_at.isoformat()}


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
