"""Reply scores (答复质量评分) and perfunctory-reply flags (敷衍答复标记) with the unit's answer.

Why two tables: every reply gets a score (the reviewer sees it, the audit keeps it with the
rules' version); only a perfunctory one raises a flag, which has a life of its own — the unit
may explain itself (情况说明, with evidence), a supervisor upholds or clears it, and a cleared
flag counts nowhere (``service.flag_counts``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.orders.models import Order, Reply
from hotline.org.models import Unit

FLAG_STATES = ("open", "answered", "upheld", "cleared")  # 待说明 / 待裁定 / 维持 / 撤销


class ReplyScore(CityOwned, Base):
    __tablename__ = "reply_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    quality: Mapped[int] = mapped_column(Integer)  # 0 perfunctory, 1 partial, 2 substantive
    flag: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    version: Mapped[str] = mapped_column(String(16))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reply: Mapped[Reply] = relationship(primaryjoin=same_city("Reply", "ReplyScore", "reply_id"), lazy="joined")

    __table_args__ = (UniqueConstraint("city_id", "reply_id", name="uq_reply_scores_city_reply_id"),)


class ReplyFlag(CityOwned, Base):
    __tablename__ = "reply_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    override_reason: Mapped[str | None] = mapped_column(Text)  # the reviewer completed the order anyway
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    explanation: Mapped[str | None] = mapped_column(Text)
    attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(primaryjoin=same_city("Order", "ReplyFlag", "order_id"), lazy="joined")
    unit: Mapped[Unit] = relationship(primaryjoin=same_city("Unit", "ReplyFlag", "unit_id"), lazy="joined")
    reply: Mapped[Reply] = relationship(primaryjoin=same_city("Reply", "ReplyFlag", "reply_id"), lazy="joined")

    __table_args__ = (Index("ix_reply_flags_state", "state"),
                      UniqueConstraint("city_id", "reply_id", name="uq_reply_flags_city_reply_id"))
