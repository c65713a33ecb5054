"""Knowledge entries (the current state) and their versions (the immutable history)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.org.models import Unit


class KnowledgeEntry(CityOwned, Base):
    """The current version of an entry, copied here so lists, search and review queries need no join.

    ``external_key`` identifies an imported entry (e.g. ``replies.csv:2549``) so
    that importing the same file again updates instead of duplicating.
    """

    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_key: Mapped[str | None] = mapped_column(String(128))
    __table_args__ = (UniqueConstraint("city_id", "external_key", name="uq_knowledge_entries_city_external_key"),)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    policy_basis: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_code: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)  # active | retired
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner_unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "KnowledgeEntry", "owner_unit_id"), lazy="joined")


class KnowledgeVersion(CityOwned, Base):
    """One saved state of an entry; every edit appends one, none is ever updated."""

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    policy_basis: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_code: Mapped[str | None] = mapped_column(String(32))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_by_label: Mapped[str] = mapped_column(String(128), default="")
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("city_id", "entry_id", "number", name="uq_knowledge_versions_city_entry_number"),)
