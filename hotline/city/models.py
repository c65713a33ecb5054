"""The cities (tenants) of one provincial platform.

Every other table is city-owned (``hotline.city.tenancy.CityOwned``); this one is the
province's reference table.  A row of kind ``province`` holds the provincial office and its
people (provincial leaders, supervisors and administrators), who read every city.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class City(Base):
    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="city")  # city | province
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    order_number_prefix: Mapped[str] = mapped_column(String(16), default="")
    file: Mapped[str | None] = mapped_column(String(512), doc="the city file it was made from (absolute path)")
    file_hash: Mapped[str | None] = mapped_column(String(64), doc="sha256 of that file when it was loaded")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettingsVersion(CityOwned, Base):
    """One saved version of a city's live settings block (``sla`` time limits and calendar, ``kpi``).

    Why versions and not an editable row: a deadline or a ranking must be explainable later ("which
    limits, which weights?"), and a change must be reversible.  A row is never updated; a rollback
    is a new version equal to an old one.  The body is the block exactly as in the city file
    (``sla:`` / ``kpi:``), validated by the same pydantic model; the newest version of a block wins
    over the city file (``hotline.city.live``).
    """

    __tablename__ = "settings_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[str] = mapped_column(String(16))  # sla | kpi
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per city and block
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_label: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    rolled_back_from: Mapped[int | None] = mapped_column(Integer, doc="the version number this one restores")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("city_id", "block", "version", name="uq_settings_versions_block_version"),)
