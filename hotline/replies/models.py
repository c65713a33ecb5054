"""Reply scores (答复质量评分) and flags on a unit's reply with the unit's answer: perfunctory replies
(敷衍答复标记) and suspected fake completions (疑似虚假办结, issue #17 item 3).

Why two tables: every reply gets a score (the reviewer sees it, the audit keeps it with the
rules' version); only a perfunctory one raises a flag, which has a life of its own — the unit
may explain itself (情况说明, with evidence), a supervisor upholds or clears it, and a cleared
flag counts nowhere (``service.flag_counts``).

Why one table for both kinds (issue #17 item 4): the unit's right to answer is the same for a
perfunctory-reply flag and a suspected fake completion — explanation, evidence, the supervisor's
decision, cleared counts nowhere — so both share the columns, the flows and the page; ``kind`` says
which, and a fake case adds what the citizen said against the unit (``citizen_text``, the callback's
``recording_note``, the evaluation or repeat call that raised it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.callbacks.models import Evaluation  # noqa: F401  (the table evaluation_id refers to)
from hotline.city.tenancy import CityOwned, same_city
from hotline.db import Base, UTCDateTime, utcnow
from hotline.orders.models import Order, Reply
from hotline.org.models import Unit

FLAG_STATES = ("open", "answered", "upheld", "cleared")  # 待说明 / 待裁定 / 维持 / 撤销
FLAG_KINDS = ("perfunctory", "suspected_fake")  # 敷衍答复 / 疑似虚假办结
FAKE_TRIGGERS = ("callback", "repeat_call")  # 回访称未解决 / 同一来电人再次来电


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
    # perfunctory: the flagged reply (one flag per reply); suspected_fake: none (see claim_reply_id)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="perfunctory", server_default="perfunctory")
    # suspected_fake: the reply that said it was solved, what raised the case, and the citizen's words
    claim_reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str | None] = mapped_column(String(24))
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    repeat_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    citizen_text: Mapped[str | None] = mapped_column(Text)
    recording_note: Mapped[str | None] = mapped_column(Text)
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
    reply: Mapped[Reply | None] = relationship(primaryjoin=same_city("Reply", "ReplyFlag", "reply_id"), lazy="joined")
    claim_reply: Mapped[Reply | None] = relationship(primaryjoin=same_city("Reply", "ReplyFlag", "claim_reply_id"),
                                                     lazy="joined")
    repeat_order: Mapped[Order | None] = relationship(primaryjoin=same_city("Order", "ReplyFlag", "repeat_order_id"))

    __table_args__ = (Index("ix_reply_flags_state", "state"), Index("ix_reply_flags_kind_unit", "kind", "unit_id"),
                      UniqueConstraint("city_id", "reply_id", name="uq_reply_flags_city_reply_id"))

    @property
    def unit_reply(self) -> Reply | None:
        """The unit's words under review: the flagged reply, or the reply that claimed it was solved."""
        return self.reply if self.reply is not None else self.claim_reply
