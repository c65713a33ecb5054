"""Delivering webhook messages: the outbox worker's sender for channel ``webhook``.

One signed POST per attempt (Standard Webhooks headers, hotline/webhooks/signing.py),
sent outside any database transaction (hotline/outbox/service.py); every attempt,
failures included, is a ``webhook_attempts`` row committed with its outcome.
``run_due`` delivers the due webhook messages (``hotline webhooks deliver``,
tests) through the same outbox code, for when no worker runs.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import Outgoing, PermanentError
from hotline.outbox.service import backoff as backoff  # re-exported: one backoff rule
from hotline.outbox.service import deliver
from hotline.webhooks import signing
from hotline.webhooks.addresses import refusal
from hotline.webhooks.models import WebhookAttempt, WebhookSubscription

TIMEOUT_S = 10.0
EVENT_HEADER = "X-Hotline-Event"


class DeliveryFailed(Exception):
    """The receiver did not accept the delivery; the message is retried later."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload.get("body", {}), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class WebhookSender:
    """Reads the subscription while claiming, POSTs without a transaction, logs every attempt."""

    def __init__(self, *, client: httpx.Client | None = None, timeout: float = TIMEOUT_S) -> None:
        self.client, self.timeout = client, timeout

    def prepare(self, db: Session, msg: OutboxMessage) -> dict[str, Any]:
        sub = db.get(WebhookSubscription, (msg.payload or {}).get("subscription_id"))
        if sub is None:
            raise PermanentError("webhook subscription removed")
        if not sub.active:
            raise DeliveryFailed("subscription disabled")
        return {"subscription_id": sub.id, "url": sub.url, "secret": sub.secret}

    def send(self, out: Outgoing) -> int:
        url, secret = out.context["url"], out.context["secret"]
        refused = refusal(url)
        if refused:
            raise PermanentError(f"refused address {refused} (HOTLINE_WEBHOOK_ALLOW_PRIVATE is off)")
        body = body_bytes(out.payload)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Hotline12345-Webhooks/2",
                   EVENT_HEADER: out.payload.get("body", {}).get("event", ""),
                   **signing.headers(secret, out.uid, body)}
        try:
            if self.client is not None:
                resp = self.client.post(url, content=body, headers=headers)
            else:
                with httpx.Client(timeout=self.timeout, follow_redirects=False) as c:
                    resp = c.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
        if not 200 <= resp.status_code < 300:
            raise DeliveryFailed(f"HTTP {resp.status_code}", status_code=resp.status_code)
        return resp.status_code

    def record(self, db: Session, out: Outgoing, *, receipt: Any, error: BaseException | None,
               now: datetime) -> None:
        status = receipt if isinstance(receipt, int) else getattr(error, "status_code", None)
        db.add(WebhookAttempt(message_id=out.id, subscription_id=out.context.get("subscription_id"), at=now,
                              status_code=status, ok=error is None,
                              error=None if error is None else str(error)[:500]))


def run_due(db: Session, *, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Attempt every due webhook message once (commits each outcome); counts by outcome."""
    stats = deliver(db, now=now or utcnow(), batch_size=limit, channels=("webhook",))
    return {"sent": stats.sent, "retry": stats.retried, "failed": stats.failed}

