"""Work orders, their assignments, timeline, replies, requests and attachments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, _stamp, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.org.models import Unit, User


class Order(CityOwned, Base):
    """A work order (工单).  ``status`` is written only by ``hotline.orders.lifecycle``."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    citizen_name: Mapped[str | None] = mapped_column(String(64))
    citizen_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    territory_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    # 涉企诉求: who is asking (citizen | enterprise) and the enterprise's 统一社会信用代码 (orders/uscc.py)
    requester_type: Mapped[str] = mapped_column(String(16), default="citizen", index=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18))

    status: Mapped[str] = mapped_column(String(24), index=True)
    held_status: Mapped[str | None] = mapped_column(String(24))
    pending_extension: Mapped[bool] = mapped_column(Boolean, default=False)
    via_subcentre: Mapped[bool] = mapped_column(Boolean, default=False)
    subcentre_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)

    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the light turns yellow (sla)
    sla_policy: Mapped[str | None] = mapped_column(String(64))
    deadline_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    first_contact_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    redispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    emergency_service: Mapped[str | None] = mapped_column(String(8))
    inform_channel: Mapped[str | None] = mapped_column(Text)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}  # the table's key is (city_id, id)

    lead_unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "Order", "lead_unit_id"), lazy="joined")
    territory_unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "Order", "territory_unit_id"), lazy="joined")
    subcentre_unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "Order", "subcentre_unit_id"))
    created_by: Mapped[User | None] = relationship(primaryjoin=same_city("User", "Order", "created_by_id"))
    assignments: Mapped[list[Assignment]] = relationship(
        primaryjoin=same_city("Order", "Assignment", "order_id"),
        back_populates="order", order_by="Assignment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        primaryjoin=same_city("Order", "OrderEvent", "order_id"), order_by="OrderEvent.id", viewonly=True)
    replies: Mapped[list[Reply]] = relationship(
        primaryjoin=same_city("Order", "Reply", "order_id"), order_by="Reply.id", viewonly=True)
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin=same_city("Order", "Attachment", "order_id"), order_by="Attachment.id", viewonly=True)
    requests: Mapped[list[OrderRequest]] = relationship(
        primaryjoin=same_city("Order", "OrderRequest", "order_id"), order_by="OrderRequest.id", viewonly=True)

    __table_args__ = (
        Index("ix_orders_status_due", "status", "due_at"),
        Index("ix_orders_status_sign_due", "status", "sign_due_at"),
        Index("ix_orders_status_reply_due", "status", "reply_due_at"),
        Index("ix_orders_status_warn", "status", "warn_at"),
        Index("ix_orders_lead_status", "lead_unit_id", "status"),
        # the queue's 延期申请 section: the few orders with a pending extension, in intake order, without a scan
        # of the city's orders (the predicate as each dialect compiles ``pending_extension.is_(True)``)
        Index("ix_orders_pending_extension", "city_id", "created_at",
              sqlite_where=text("pending_extension IS 1"), postgresql_where=text("pending_extension IS true")),
        # an external system's id names one order per source (NULLs never collide, on both databases)
        UniqueConstraint("city_id", "channel", "external_id", name="uq_orders_city_channel_external_id"),
        UniqueConstraint("city_id", "number", name="uq_orders_city_number"),  # numbers are per city
    )

    def active_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments if a.active]

    def co_units(self) -> list[Unit]:
        return [a.unit for a in self.assignments if a.active and a.role == "co"]


class Assignment(CityOwned, Base):
    """Which unit holds the order as lead (主办) or co-handler (协办); history is kept."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))  # returned | redispatched | withdrawn ...

    order: Mapped[Order] = relationship(primaryjoin=same_city("Order", "Assignment", "order_id"), back_populates="assignments")
    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "Assignment", "unit_id"), lazy="joined")

    __table_args__ = (Index("ix_assignments_unit_active", "unit_id", "active"),)


class OrderEvent(CityOwned, Base):
    """The order's timeline and audit trail: one row per action, never updated or deleted."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(primaryjoin=same_city("User", "OrderEvent", "actor_id"), lazy="joined")
    unit: Mapped[Unit | None] = relationship(primaryjoin=same_city("Unit", "OrderEvent", "unit_id"), lazy="joined")


class Reply(CityOwned, Base):
    """A unit's answer (答复), a co-handler's opinion, or the centre's first-contact answer."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # reply | co_opinion | first_contact
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "Reply", "unit_id"), lazy="joined")
    author: Mapped[User | None] = relationship(primaryjoin=same_city("User", "Reply", "author_id"), lazy="joined")


class OrderRequest(CityOwned, Base):
    """A request that someone else decides: return (退单) or extension (延期)."""

    __tablename__ = "order_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # return | extension
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    extra_days: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "OrderRequest", "unit_id"), lazy="joined")


class Attachment(CityOwned, Base):
    """A file kept on disk under ``data_dir/uploads``; only metadata lives here."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderNumberCounter(CityOwned, Base):
    """Per-day sequence behind the human-readable order number (QY20261122-0001)."""

    __tablename__ = "order_number_counters"

    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), primary_key=True, index=True, default=_stamp)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
