"""Writes for webhooks: managing subscriptions (audited) and queueing deliveries on order actions.

``queue_deliveries`` observes every action (``r.observe`` in plugin.py): it runs inside the
order action's transaction, so a delivery is queued if and only if the change
commits.  The body carries the event, the order number and status and the time —
never the citizen's name, phone, address or the demand text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.errors import BadRequest, NotFound
from hotline.orders.actor import Actor
from hotline.orders.enums import STATUS_ZH, Action, Status
from hotline.orders.models import Order, OrderEvent
from hotline.org.models import AuditLog, User
from hotline.outbox.models import OutboxMessage
from hotline.webhooks.addresses import refusal
from hotline.webhooks.models import WebhookAttempt, WebhookSubscription
from hotline.webhooks.signing import new_secret, valid_secret

VALID_EVENTS = {a.value for a in Action if a != Action.any}


def _audit(db: Session, user: User | None, action: str, sub: WebhookSubscription, data: dict[str, Any]) -> None:
    db.add(AuditLog(actor_id=user.id if user else None, actor_label=user.username if user else "cli",
                    action=action, entity="webhook", entity_id=str(sub.id), data=data))


def _events(events: list[str]) -> list[str]:
    out = []
    for e in events or ["*"]:
        e = e.strip().removeprefix("order.")
        if e != "*" and e not in VALID_EVENTS:
            raise BadRequest("bad_event", f"未知事件：{e}", f"unknown event: {e}", field="events")
        out.append(e)
    return sorted(set(out)) or ["*"]


def _url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise BadRequest("bad_url", "回调地址须为 http(s):// 开头的完整网址", "url must be an absolute http(s) URL",
                         field="url")
    refused = refusal(url.strip())
    if refused:
        raise BadRequest("private_url", f"回调地址不能指向本机、内网或链路本地地址（{refused}）",
                         f"the URL may not point at a loopback, private or link-local address ({refused}); "
                         "set HOTLINE_WEBHOOK_ALLOW_PRIVATE=true for intranet receivers", field="url")
    return url.strip()


def iso(dt: datetime | None) -> str | None:
    """Every instant in a webhook body: UTC, seconds, with ``Z`` (2026-03-02T09:15:00Z)."""
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if dt else None


def do_create_subscription(db: Session, *, user: User | None, name: str, url: str, events: list[str],
                           secret: str | None = None) -> WebhookSubscription:
    name = (name or "").strip()
    if not 1 <= len(name) <= 64:
        raise BadRequest("name_required", "请填写名称（1至64字）", "name is required (1-64 characters)", field="name")
    if secret is not None and not (len(secret) <= 128 and valid_secret(secret)):
        raise BadRequest("bad_secret", "密钥须为 whsec_ 加 Base64（至少16字节），或留空自动生成",
                         "secret must be whsec_ + base64 of at least 16 bytes (Standard Webhooks), or omitted",
                         field="secret")
    sub = WebhookSubscription(name=name, url=_url(url), events=_events(events),
                              secret=secret or new_secret(), active=True,
                              created_by_id=user.id if user else None)
    db.add(sub)
    db.flush()
    _audit(db, user, "webhook.create", sub, {"url": sub.url, "events": sub.events,
                                             "before": {}, "after": {"name": sub.name, "url": sub.url,
                                                                     "events": sub.events, "active": True}})
    return sub


def do_set_active(db: Session, *, user: User | None, sub_id: int, active: bool) -> WebhookSubscription:
    sub = db.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound("webhook_not_found", "找不到该订阅", "subscription not found")
    sub.active = active
    _audit(db, user, "webhook.enable" if active else "webhook.disable", sub,
           {"before": {"active": not active}, "after": {"active": active}})
    return sub


def do_delete_subscription(db: Session, *, user: User | None, sub_id: int) -> None:
    sub = db.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound("webhook_not_found", "找不到该订阅", "subscription not found")
    _audit(db, user, "webhook.delete", sub, {"url": sub.url, "before": {"name": sub.name, "url": sub.url,
                                                                       "events": sub.events}, "after": {}})
    # the delivery log stays; its key (city_id, subscription_id) cannot be SET NULL by the database
    db.execute(update(WebhookAttempt).where(WebhookAttempt.subscription_id == sub.id).values(subscription_id=None))
    db.delete(sub)


def event_body(order: Order, event: OrderEvent, now: datetime) -> dict[str, Any]:
    """What a subscriber receives: no personal data of the citizen."""
    return {
        "id": f"evt_{event.id}", "event": f"order.{event.action}", "action": event.action,
        "occurred_at": iso(event.at or now),
        "order": {"number": order.number, "status": event.to_status or order.status,
                  "status_label": STATUS_ZH[Status(event.to_status or order.status)], "from_status": event.from_status,
                  "kind": order.kind, "channel": order.channel, "category_code": order.category_code,
                  "lead_unit": order.lead_unit.code if order.lead_unit else None,
                  "due_at": iso(order.due_at)},
    }


def queue_deliveries(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    subs = db.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True))).all()
    body: dict[str, Any] | None = None
    for sub in subs:
        if "*" not in sub.events and event.action not in sub.events:
            continue
        body = body or event_body(order, event, now)
        db.add(OutboxMessage(topic=f"webhook.order.{event.action}", channel="webhook",
                             recipient=f"webhook:{sub.id}", order_id=order.id,
                             payload={"subscription_id": sub.id, "body": body},
                             dedupe_key=f"webhook:{sub.id}:{event.id}", created_at=now, next_attempt_at=now))
