"""Webhook subscriptions and the log of delivery attempts.

The deliveries themselves are ``OutboxMessage`` rows (channel ``webhook``) so
that a notification is written in the same transaction as the order change; this
table only adds what the outbox does not keep: each attempt's HTTP status.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class WebhookSubscription(CityOwned, Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))  # needed in clear to sign; shown once on creation
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # action names, or ["*"]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class WebhookAttempt(CityOwned, Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    # (the key is (city_id, subscription_id): deleting a subscription clears it in the flow, since
    #  ON DELETE SET NULL would clear city_id too)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)

