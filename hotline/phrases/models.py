"""Reply templates (常用语/答复模板): a unit's or the centre's reusable reply text with placeholders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.org.models import Unit


class ReplyTemplate(CityOwned, Base):
    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the owner: a unit or the centre
    title: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "ReplyTemplate", "unit_id"), lazy="joined")
