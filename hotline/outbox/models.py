"""The transactional outbox: notifications written in the same transaction as the change.

Why: a notice sent before commit can announce a change that then rolls back; a
notice sent after commit can be lost if the process dies in between.  Writing
the notice as a row beside the change, and having the worker deliver it later,
loses none and invents none.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

#: the rows retention may touch: delivered or withdrawn, not yet compacted (the partial index's predicate)
PRUNABLE = text("state IN ('sent', 'cancelled') AND compacted_at IS NULL")


def new_uid() -> str:
    """A message's stable id: the same on every attempt, unique across installations."""
    return "msg_" + uuid.uuid4().hex


class OutboxMessage(CityOwned, Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # handed to the gateway / receiver with every attempt (SMS message id, webhook-id), so a
    # resend after a crash between "sent" and "marked sent" can be dropped downstream
    uid: Mapped[str] = mapped_column(String(40), default=new_uid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    topic: Mapped[str] = mapped_column(String(64))  # e.g. order.dispatched
    channel: Mapped[str] = mapped_column(String(16))  # inbox | email | sms | webhook
    recipient: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)  # orders are never deleted
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # when it may next be tried; while a worker is sending it, the end of that worker's lease
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # set when retention emptied the row's payload but kept it for its dedupe key (hotline.outbox.retention)
    compacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        # what retention may still prune, per city oldest first (partial: the compacted rows it keeps are not in it)
        Index("ix_outbox_prunable", "city_id", "created_at", "id", postgresql_where=PRUNABLE, sqlite_where=PRUNABLE),
        UniqueConstraint("city_id", "uid", name="uq_outbox_city_uid"),  # random: unique everywhere in fact
        UniqueConstraint("city_id", "dedupe_key", name="uq_outbox_city_dedupe_key"),
    )


from hotline.outbox.inbox import Notification  # noqa: E402,F401  (the in-console inbox, delivered from here)
