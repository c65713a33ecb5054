"""Delivering to the desks: the outbox worker's sender for channel ``linkage``.

The same signed POST as a webhook (``hotline.webhooks.delivery.WebhookSender``: Standard Webhooks headers,
private addresses refused unless ``HOTLINE_WEBHOOK_ALLOW_PRIVATE``, retries with the outbox's backoff), to
the desk's own address with the desk's own secret.  ``run_due`` delivers what is due (tests, no worker).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.linkage.models import LinkageDesk
from hotline.outbox.models import OutboxMessage
from hotline.outbox.senders import Outgoing, PermanentError
from hotline.outbox.service import deliver
from hotline.webhooks.delivery import DeliveryFailed, WebhookSender


class LinkageSender(WebhookSender):
    """A webhook sender whose address and secret are the desk's; the outbox keeps each attempt's outcome."""

    def prepare(self, db: Session, msg: OutboxMessage) -> dict[str, Any]:
        desk = db.get(LinkageDesk, (msg.payload or {}).get("desk_id"))
        if desk is None:
            raise PermanentError("linkage desk removed")
        if not desk.active:
            raise DeliveryFailed("desk disabled")
        return {"desk_id": desk.id, "url": desk.url, "secret": desk.secret}

    def record(self, db: Session, out: Outgoing, *, receipt: Any, error: BaseException | None,
               now: datetime) -> None:
        """Nothing beyond the outbox row (its state, attempts and last error)."""


def run_due(db: Session, *, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    stats = deliver(db, now=now or utcnow(), batch_size=limit, channels=("linkage",))
    return {"sent": stats.sent, "retry": stats.retried, "failed": stats.failed}
