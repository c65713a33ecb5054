"""The cities (tenants) of one provincial platform.

Every other table is city-owned (``hotline.city.tenancy.CityOwned``); this one is the
province's reference table.  A row of kind ``province`` holds the provincial office and its
people (provincial leaders, supervisors and administrators), who read every city.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

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
