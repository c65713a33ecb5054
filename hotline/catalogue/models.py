"""Versions of the dispatch catalogue: each one a whole snapshot (taxonomy + entries), numbered per city.

Why a snapshot per version rather than a table of entries with history rows: a city's catalogue is a
few hundred rows and changes a few times a month; with whole snapshots, comparing two versions and
rolling back (a new version equal to an old one) are plain set operations, and the version routing
uses is one row.  The ``categories`` table (``org.models.Category``) stays the mirror that orders
point at; every new version is written into it (names, parents, retirement).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class CatalogueVersion(CityOwned, Base):
    """One version of a city's catalogue: who made it, when, why, and the whole catalogue as it then was."""

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per city (0 is the city file's catalogue)
    __table_args__ = (UniqueConstraint("city_id", "number", name="uq_catalogue_versions_city_number"),)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # edit | import | rollback
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # counts of the diff from the previous version
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)  # {"categories": [...], "entries": [...]}
