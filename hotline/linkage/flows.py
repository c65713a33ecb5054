"""Writes of 联动: the hand-off record (a hook on 转应急), the desk's acknowledgement and status, demands a
desk hands to 12345, the status shared back, three-party calls, and the desks themselves (admin, audited).

Every write runs in the caller's one transaction (``commit_or_conflict``): the record, its timeline row
(``OrderEvent`` naming the actor) and the delivery to the desk (an ``outbox`` message of channel
``linkage``, sent by ``delivery.LinkageSender`` after commit) commit together or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.linkage.models import DESK_STATUS_ZH, OUTCOME_ZH, LinkageCall, LinkageDesk, LinkageHandoff
from hotline.orders.actor import Actor
from hotline.orders.enums import (
    EMERGENCY_NUMBERS,
    FINISHED,
    STATUS_ZH,
    TERMINAL,
    Action,
    Channel,
    EmergencyService,
    Status,
)
from hotline.orders.flows import do_intake
from hotline.orders.models import Order, OrderEvent, Reply
from hotline.org.models import AuditLog, User
from hotline.outbox.models import OutboxMessage
from hotline.webhooks.flows import _url, iso
from hotline.webhooks.signing import new_secret, valid_secret

CHANNEL = "linkage"
#: the statuses after which 12345 stops sharing an inbound order's status with its desk
SHARED_UNTIL = TERMINAL
#: statuses whose message carries the reply text (答复内容): answered, and once the centre accepted it
WITH_REPLY = FINISHED | {Status.replied}


def _desk_code(value: str, field: str = "desk") -> str:
    if value not in set(EmergencyService):
        raise BadRequest("bad_desk", f"联动单位须为 {EMERGENCY_NUMBERS} 之一", f"desk must be one of {EMERGENCY_NUMBERS}",
                         field=field)
    return value


def desk_of(db: Session, code: str) -> LinkageDesk | None:
    """The city's active desk for ``code`` (None: hand-offs to it are recorded but not delivered)."""
    return db.scalar(select(LinkageDesk).where(LinkageDesk.desk == code, LinkageDesk.active.is_(True)))


def desk_for_user(db: Session, user: User) -> LinkageDesk:
    """The desk whose API token this is; any other caller is refused (403)."""
    desk = db.scalar(select(LinkageDesk).where(LinkageDesk.user_id == user.id, LinkageDesk.active.is_(True)))
    if desk is None:
        raise Forbidden("not_a_desk", "该令牌不属于任何联动单位", "this token does not belong to a linkage desk")
    return desk


def _timeline(db: Session, order: Order, *, label: str, role: str, user_id: int | None, note: str,
              data: dict[str, Any], now: datetime) -> None:
    """A row on the order's timeline (备注) that changes no status: the desk's answers, a three-party call."""
    db.add(OrderEvent(order_id=order.id, at=now, actor_id=user_id, actor_label=label, actor_role=role,
                      action=Action.comment.value, from_status=order.status, to_status=order.status,
                      note=note[:4000], data={"linkage": data}))


def _queue(db: Session, desk: LinkageDesk, order: Order, body: dict[str, Any], key: str, now: datetime) -> None:
    db.add(OutboxMessage(topic=f"linkage.{body['event']}", channel=CHANNEL, recipient=f"linkage:{desk.id}",
                         order_id=order.id, payload={"desk_id": desk.id, "body": body},
                         dedupe_key=key, created_at=now, next_attempt_at=now))


def handoff_body(h: LinkageHandoff, order: Order) -> dict[str, Any]:
    """What a desk receives for a hand-off: the demand itself — the desk acts on it (the caller's phone and
    the address included, which webhooks never carry; a desk is an emergency service, docs/linkage.md)."""
    return {
        "event": "handoff", "id": f"lnk_{h.id}", "handoff_id": h.id, "desk": h.desk, "reason": h.reason,
        "sent_at": iso(h.sent_at), "sent_by": h.sent_by,
        "order": {"number": order.number, "title": order.title, "content": order.content, "kind": order.kind,
                  "urgency": order.urgency, "address": order.address, "latitude": order.latitude,
                  "longitude": order.longitude, "caller_phone": None if order.anonymous else order.citizen_phone,
                  "caller_name": None if order.anonymous else order.citizen_name, "received_at": iso(order.created_at)},
        "ack_url": f"/api/v1/linkage/{h.id}/ack", "status_url": f"/api/v1/linkage/{h.id}/status",
    }


def record_hand_off(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """Hook on 转应急: the linkage record, and its delivery to the desk when the city has configured one."""
    data = event.data or {}
    h = LinkageHandoff(order_id=order.id, desk=str(data.get("service")), direction="out",
                       reason=str(data.get("reason") or ""), sent_at=now, sent_by=actor.label)
    db.add(h)
    db.flush()
    desk = desk_of(db, h.desk)
    if desk is not None:
        _queue(db, desk, order, handoff_body(h, order), f"linkage:{h.id}:handoff", now)


def _reply_text(db: Session, order: Order) -> str | None:
    return db.scalar(select(Reply.content).where(Reply.order_id == order.id, Reply.kind.in_(("reply", "first_contact")))
                     .order_by(Reply.id.desc()).limit(1))


def status_body(db: Session, h: LinkageHandoff, order: Order, *, action: str, at: datetime) -> dict[str, Any]:
    status = Status(order.status)
    return {
        "event": "status", "id": f"lnk_{h.id}", "handoff_id": h.id, "desk": h.desk, "receipt_number": h.desk_receipt,
        "order": {"number": order.number, "status": status.value, "status_label": STATUS_ZH[status],
                  "action": action, "at": iso(at), "due_at": iso(order.due_at),
                  "lead_unit": order.lead_unit.name if order.lead_unit else None,
                  "reply": _reply_text(db, order) if status in WITH_REPLY else None,
                  "closed": status in SHARED_UNTIL},
    }


def share_status(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """Observer of every action: an order a desk handed to 12345 tells that desk each change, until it ends."""
    if event.action == Action.create.value or order.channel != Channel.linkage.value:
        return
    h = db.scalar(select(LinkageHandoff).where(LinkageHandoff.order_id == order.id, LinkageHandoff.direction == "in"))
    if h is None or h.shared_until_closed:
        return
    if event.action == Action.comment.value and event.from_status == event.to_status:
        return  # notes, the desk's own answers: no change to share
    desk = desk_of(db, h.desk)
    if desk is not None:
        _queue(db, desk, order, status_body(db, h, order, action=event.action, at=now),
               f"linkage:{h.id}:status:{event.id}", now)
    if Status(order.status) in SHARED_UNTIL:
        h.shared_until_closed = True


def get_handoff(db: Session, handoff_id: int, *, desk: LinkageDesk | None = None) -> LinkageHandoff:
    """A record of the acting city; a desk sees only its own (404 for another desk's or another city's)."""
    h = db.get(LinkageHandoff, handoff_id)
    if h is None or (desk is not None and h.desk != desk.desk):
        raise NotFound("linkage_not_found", "找不到该联动记录", "linkage record not found")
    return h


def _desk_actor(user: User, desk: LinkageDesk) -> Actor:
    return Actor(role=user.role, label=f"{desk.desk}·{desk.name}({user.username})", user=user)


def do_ack(db: Session, *, user: User, handoff_id: int, receipt: str, received_by: str, at: datetime | None,
           now: datetime) -> tuple[LinkageHandoff, bool]:
    """The desk acknowledges a hand-off: its receipt number and the receiving person.  The same receipt
    again is a no-op (False); another receipt for an acknowledged record is 409."""
    desk = desk_for_user(db, user)
    h = get_handoff(db, handoff_id, desk=desk)
    if h.direction != "out":
        raise Conflict("not_outgoing", "只有12345转出的联动记录需要签收", "only a hand-off from 12345 is acknowledged")
    if h.ack_at is not None:
        if h.desk_receipt == receipt:
            return h, False
        raise Conflict("already_acknowledged", f"该联动已签收（回执号 {h.desk_receipt}）",
                       f"already acknowledged (receipt {h.desk_receipt})")
    h.desk_receipt, h.ack_by, h.ack_at = receipt, received_by, at or now
    order = db.get(Order, h.order_id)
    assert order is not None
    a = _desk_actor(user, desk)
    _timeline(db, order, label=a.label, role=a.role, user_id=user.id,
              note=f"{desk.desk}已签收：回执号 {receipt}，接警人 {received_by}",
              data={"handoff": h.id, "kind": "ack", "receipt": receipt}, now=now)
    return h, True


def do_desk_status(db: Session, *, user: User, handoff_id: int, status: str, text: str, at: datetime | None,
                   now: datetime) -> LinkageHandoff:
    """The desk reports what became of a hand-off (已出警 / 处置中 / 已处置 / 退回12345)."""
    desk = desk_for_user(db, user)
    h = get_handoff(db, handoff_id, desk=desk)
    if h.direction != "out":
        raise Conflict("not_outgoing", "只有12345转出的联动记录由联动单位反馈", "only a hand-off from 12345 takes a desk status")
    if h.ack_at is None:
        raise Conflict("not_acknowledged", "请先签收再反馈处置情况", "acknowledge the hand-off before reporting status")
    h.desk_status, h.desk_status_text, h.desk_status_at = status, text, at or now
    order = db.get(Order, h.order_id)
    assert order is not None
    a = _desk_actor(user, desk)
    _timeline(db, order, label=a.label, role=a.role, user_id=user.id,
              note=f"{desk.desk}反馈：{DESK_STATUS_ZH[status]}。{text}",
              data={"handoff": h.id, "kind": "status", "status": status}, now=now)
    return h


def do_inbound(db: Session, *, user: User, data: dict[str, Any], now: datetime) -> tuple[LinkageHandoff, Order, bool]:
    """A demand a desk hands to 12345 becomes an order through the normal intake (routing, limits, audit);
    once per (desk, receipt number): a repeat returns the first order (False)."""
    desk = desk_for_user(db, user)
    if data["desk"] != desk.desk:
        raise Forbidden("other_desk", f"该令牌属于 {desk.desk}，不能代 {data['desk']} 转入",
                        f"this token belongs to {desk.desk}, not {data['desk']}")
    known = db.scalar(select(LinkageHandoff).where(LinkageHandoff.desk == desk.desk, LinkageHandoff.direction == "in",
                                                   LinkageHandoff.desk_receipt == data["receipt_number"]))
    if known is not None:
        order = db.get(Order, known.order_id)
        assert order is not None
        return known, order, False
    text = data["text"]
    actor = _desk_actor(user, desk)
    order = do_intake(db, actor=actor, now=now, data={
        "kind": data.get("kind") or "help", "title": data.get("title") or text[:30], "content": text,
        "channel": Channel.linkage.value, "citizen_phone": data.get("caller_phone"),
        "citizen_name": data.get("caller_name"), "address": data.get("address"),
        "note": f"{desk.desk}转入，{desk.desk}接警单号 {data['receipt_number']}",
        "external_id": f"{desk.desk}:{data['receipt_number']}"[:64]})
    h = LinkageHandoff(order_id=order.id, desk=desk.desk, direction="in", desk_receipt=data["receipt_number"],
                       reason=data.get("reason") or "非警务类诉求移交12345",
                       sent_at=data.get("occurred_at") or now, sent_by=data.get("sent_by") or actor.label,
                       ack_at=now, ack_by="12345")
    db.add(h)
    db.flush()
    # the receipt for the desk: the order number and where it stands after intake (any auto-dispatch, or a
    # repeat call merged into the caller's open order — then this first message is also the last)
    _queue(db, desk, order, status_body(db, h, order, action=Action.create.value, at=now),
           f"linkage:{h.id}:received", now)
    h.shared_until_closed = Status(order.status) in SHARED_UNTIL
    return h, order, True


def do_call(db: Session, *, order: Order, actor: Actor, data: dict[str, Any], now: datetime) -> LinkageCall:
    """三方通话 record: who was on the call, how long, who takes the case; a timeline row."""
    if data["ended_at"] < data["started_at"]:
        raise BadRequest("call_ends_before_start", "通话结束时间不能早于开始时间", "the call cannot end before it starts",
                         field="ended_at")
    call = LinkageCall(order_id=order.id, desk=_desk_code(data["desk"]), started_at=data["started_at"],
                       ended_at=data["ended_at"], participants=data["participants"], outcome=data["outcome"],
                       note=data.get("note") or None, recording_ref=data.get("recording_ref") or None,
                       recorded_by=actor.label, recorded_at=now)
    db.add(call)
    db.flush()
    minutes = max(1, round((call.ended_at - call.started_at).total_seconds() / 60))
    _timeline(db, order, label=actor.label, role=actor.role, user_id=actor.user_id,
              note=f"三方通话（{call.desk}，约{minutes}分钟，{call.participants}）：{OUTCOME_ZH[call.outcome]}"
                   + (f"。{call.note}" if call.note else ""),
              data={"call": call.id, "kind": "call", "outcome": call.outcome}, now=now)
    return call


def do_create_desk(db: Session, *, actor: User, desk: str, name: str, url: str, username: str,
                   secret: str | None = None) -> LinkageDesk:
    """An admin connects a desk: its number, address, signing secret and the account its tokens act as."""
    code = _desk_code(desk)
    if db.scalar(select(LinkageDesk).where(LinkageDesk.desk == code)) is not None:
        raise Conflict("desk_exists", f"本市已配置 {code} 联动单位", f"desk {code} is already configured")
    account = db.scalar(select(User).where(User.username == username))
    if account is None:
        raise BadRequest("unknown_user", f"找不到用户：{username}", f"unknown user: {username}", field="username")
    if secret is not None and not (len(secret) <= 128 and valid_secret(secret)):
        raise BadRequest("bad_secret", "密钥须为 whsec_ 加 Base64（至少16字节），或留空自动生成",
                         "secret must be whsec_ + base64 of at least 16 bytes (Standard Webhooks), or omitted",
                         field="secret")
    row = LinkageDesk(desk=code, name=name, url=_url(url), secret=secret or new_secret(), user_id=account.id,
                      active=True, created_at=datetime.now(UTC))
    db.add(row)
    db.flush()
    db.add(AuditLog(actor_id=actor.id, actor_label=actor.username, action="linkage.desk.create", entity="linkage_desk",
                    entity_id=str(row.id), data={"before": {}, "after": {"desk": code, "name": name, "url": row.url,
                                                                          "username": username}}))
    return row
