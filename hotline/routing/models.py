"""Routing as data: trained models and, per order, what was suggested and whether it held.

``RoutingDecision`` is the learning loop's memory (cf. Dispatch's
``RecommendationMatch.correct``): the suggestion, its confidence and model
version at intake; the category and unit actually chosen at first dispatch; and
whether that choice held, or was returned or redispatched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class RoutingModel(CityOwned, Base):
    """A trained classifier kept on disk; one active per purpose (category / unit)."""

    __tablename__ = "routing_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # category | unit
    version: Mapped[str] = mapped_column(String(96))
    __table_args__ = (UniqueConstraint("city_id", "version", name="uq_routing_models_city_version"),)
    path: Mapped[str] = mapped_column(String(300))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    n_train: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class RoutingDecision(CityOwned, Base):
    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    suggested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    model_version: Mapped[str | None] = mapped_column(String(200))
    categories: Mapped[list] = mapped_column(JSON, default=list)  # [{code, name, confidence, reasons}]
    units: Mapped[list] = mapped_column(JSON, default=list)  # [{code, name, confidence, reasons}]
    territory: Mapped[dict] = mapped_column(JSON, default=dict)
    flags: Mapped[dict] = mapped_column(JSON, default=dict)
    top_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    top_category: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    auto_dispatched: Mapped[bool] = mapped_column(Boolean, default=False)
    triage: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    chosen_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    chosen_category: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)  # held | returned | redispatched
    unit_correct: Mapped[bool | None] = mapped_column(Boolean)
    category_correct: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (UniqueConstraint("city_id", "order_id", name="uq_routing_decisions_city_order_id"),)
