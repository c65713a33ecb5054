"""Reads for the webhook console: subscriptions (secret never shown again) and recent deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.outbox.models import OutboxMessage
from hotline.webhooks.models import WebhookAttempt, WebhookSubscription


def present_sub(s: WebhookSubscription) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "url": s.url, "events": s.events, "active": s.active,
            "created_at": s.created_at, "secret_hint": s.secret[:4] + "…"}


def recent_deliveries(db: Session, *, limit: int = 100) -> list[dict[str, Any]]:
    msgs = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                      .order_by(OutboxMessage.id.desc()).limit(limit)).all()
    ids = [m.id for m in msgs]
    attempts: dict[int, list[WebhookAttempt]] = {}
    if ids:
        for a in db.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id.in_(ids))
                            .order_by(WebhookAttempt.id)):
            attempts.setdefault(a.message_id, []).append(a)
    subs = {s.id: s.name for s in db.scalars(select(WebhookSubscription))}
    out = []
    for m in msgs:
        tries = attempts.get(m.id, [])
        body = m.payload.get("body", {})
        out.append({
            "id": m.id, "event": body.get("event"), "order_number": body.get("order", {}).get("number"),
            "subscription": subs.get(m.payload.get("subscription_id"), "—"), "state": m.state,
            "attempts": m.attempts, "created_at": m.created_at, "next_attempt_at": m.next_attempt_at,
            "last_status": tries[-1].status_code if tries else None, "last_error": m.last_error,
            "tries": [{"at": a.at, "status_code": a.status_code, "ok": a.ok, "error": a.error} for a in tries],
        })
    return out
