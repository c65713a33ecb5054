"""Stored surge alerts (突发/激增): one row per series and local day, found by the worker or the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

STATES = ("open", "acknowledged", "dismissed")
KINDS = ("series", "hot_matter")


class SurgeAlert(CityOwned, Base):
    __tablename__ = "surge_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="series")
    series_key: Mapped[str] = mapped_column(String(120))  # "cat:<code>@<territory unit id or *>" | "hot:<id>"
    name: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str | None] = mapped_column(String(32))
    territory_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    hot_matter_id: Mapped[int | None] = mapped_column(Integer)  # hot_matters.id (no FK: a matter may be re-grouped)
    day: Mapped[date] = mapped_column(Date, index=True)  # the city's local date
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)  # −log10 of the upper-tail probability under the model
    p_value: Mapped[float] = mapped_column(Float)
    order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the orders behind it (that day's)
    series: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[day, observed, expected], …] for the chart
    state: Mapped[str] = mapped_column(String(16), default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_label: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # a lost race is a 409

    __table_args__ = (UniqueConstraint("city_id", "series_key", "day", name="uq_surge_alerts_series_day"),)
    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}  # the table's key is (city_id, id)
