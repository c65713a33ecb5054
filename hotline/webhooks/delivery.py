"""Delivering webhook messages: one signed POST per attempt, exponential backoff between attempts.

``deliver_webhook(db, message)`` makes one attempt, logs it in ``webhook_attempts``
and raises ``DeliveryFailed`` unless the receiver answered 2xx — the shape the
outbox worker's senders have.  ``run_due`` is the loop for when no worker owns
the ``webhook`` channel (and for tests and ``hotline webhooks deliver``): it
updates the message's state, attempts and next attempt time itself.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.outbox.models import OutboxMessage
from hotline.webhooks.models import WebhookAttempt, WebhookSubscription
from hotline.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

MAX_ATTEMPTS = 8
BASE_DELAY_S = 30
MAX_DELAY_S = 6 * 3600
TIMEOUT_S = 10.0


class DeliveryFailed(Exception):
    """The receiver did not accept the delivery; the message should be retried later."""


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 h: the delay after the n-th failed attempt."""
    return timedelta(seconds=min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(0, attempts - 1)))


def body_bytes(message: OutboxMessage) -> bytes:
    return json.dumps(message.payload.get("body", {}), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def deliver_webhook(db: Session, message: OutboxMessage, *, client: httpx.Client | None = None,
                    now: datetime | None = None) -> None:
    now = now or utcnow()
    sub = db.get(WebhookSubscription, message.payload.get("subscription_id"))
    if sub is None or not sub.active:
        db.add(WebhookAttempt(message_id=message.id, subscription_id=None, at=now, ok=False,
                              error="subscription removed or disabled"))
        raise DeliveryFailed("subscription removed or disabled")
    body = body_bytes(message)
    ts = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(sub.secret, ts, body),
               TIMESTAMP_HEADER: ts, EVENT_HEADER: message.payload.get("body", {}).get("event", ""),
               DELIVERY_HEADER: str(message.id), "User-Agent": "Hotline12345-Webhooks/1"}
    attempt = WebhookAttempt(message_id=message.id, subscription_id=sub.id, at=now)
    db.add(attempt)
    try:
        if client is None:
            with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as c:
                resp = c.post(sub.url, content=body, headers=headers)
        else:
            resp = client.post(sub.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        attempt.error = f"{type(exc).__name__}: {exc}"[:500]
        raise DeliveryFailed(attempt.error) from exc
    attempt.status_code = resp.status_code
    attempt.ok = 200 <= resp.status_code < 300
    if not attempt.ok:
        attempt.error = f"HTTP {resp.status_code}"
        raise DeliveryFailed(attempt.error)


def run_due(db: Session, *, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Attempt every due webhook message once; the caller commits."""
    now = now or utcnow()
    msgs = db.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "webhook", OutboxMessage.state == "pending",
        OutboxMessage.next_attempt_at <= now).order_by(OutboxMessage.id).limit(limit)).all()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for m in msgs:
        m.attempts += 1
        try:
            deliver_webhook(db, m, now=now)
        except DeliveryFailed as exc:
            m.last_error = str(exc)[:500]
            if m.attempts >= MAX_ATTEMPTS:
                m.state = "failed"
                counts["failed"] += 1
            else:
                m.next_attempt_at = now + backoff(m.attempts)
                counts["retry"] += 1
            continue
        m.state, m.sent_at, m.last_error = "sent", now, None
        counts["sent"] += 1
    db.flush()
    return counts


class WebhookSender:
    """The outbox worker's sender for channel ``webhook`` (hotline/outbox/senders.py protocol)."""

    def send(self, msg: OutboxMessage, db: Session) -> None:
        sub = db.get(WebhookSubscription, (msg.payload or {}).get("subscription_id"))
        if sub is None:
            from hotline.outbox.senders import PermanentError

            raise PermanentError("webhook subscription removed")
        deliver_webhook(db, msg)


def register() -> None:
    """Hand the sender to the outbox worker when it offers a registry."""
    try:
        from hotline.outbox.senders import register_sender
    except ImportError:  # pragma: no cover - an outbox without a sender registry
        return
    register_sender("webhook", WebhookSender())
