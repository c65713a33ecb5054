"""Idempotency keys: the first response to a keyed intake request, kept to replay it.

A row is written in the same transaction as the order it answers for, so a crash
leaves neither; ``unique(client, key)`` is what stops a concurrent duplicate.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class IdempotencyKey(CityOwned, Base):
    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # who sent it: "user:<id>" (API bearer token or console session, Open311 api_key's user),
    # "portal:<client address>:<phone>" for the citizen portal
    client: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and canonical body
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first request runs
    media_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)
    order_number: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("city_id", "client", "key", name="uq_idempotency_keys_city_client_key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )
