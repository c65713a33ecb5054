"""Handlers of the actions that end an order at intake: 即时办结, 转110/119/120, 告知."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.errors import BadRequest
from hotline.orders.actions.common import Handled, reply_row
from hotline.orders.actor import Actor
from hotline.orders.enums import EMERGENCY_NUMBERS, Action, EmergencyService
from hotline.orders.models import Order
from hotline.orders.payloads import text


def h_first_contact(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    assert actor.user is not None
    content = reply_row(db, order, actor, p, now, "first_contact", actor.user.unit)
    return content, actor.user.unit, {"knowledge_entry": p.get("knowledge_entry")}


def h_hand_off(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    service = str(p.get("service") or "")
    if service not in set(EmergencyService):
        raise BadRequest("bad_service", f"请选择转办的应急号码（{EMERGENCY_NUMBERS}）",
                         f"service must be one of {EMERGENCY_NUMBERS}", field="service")
    reason = text(p, Action.hand_off, "reason")
    order.emergency_service = service
    # the linkage record (hotline.linkage) is written by its hook on this action, from this data
    return p.get("note") or f"转{service}：{reason}", None, {"service": service, "reason": reason}


def h_inform(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    channel = text(p, Action.inform, "channel")
    order.inform_channel = channel
    return channel, None, {}
