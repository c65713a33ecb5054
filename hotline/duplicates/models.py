"""The index of open orders for duplicate lookup, and repeat-call links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow


class DupPosting(CityOwned, Base):
    """token → open order, with the order's creation time so the window is part of the index scan.

    Only orders that are still open are here: hooks add an order when it is
    created (or reopened / unmerged) and remove it when it leaves the open
    statuses, so the table stays the size of the open workload, not of history.
    Tokens are jieba words and ``@``-prefixed place names.
    """

    __tablename__ = "dup_postings"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_dup_postings_order", "order_id"),)


class RepeatLink(CityOwned, Base):
    """重复诉求: a call from the same number about the same matter as an earlier order.

    ``outcome`` says what happened: ``merged`` (the new order joined the open
    earlier one), ``merge_suggested`` (the platform may not merge by itself; a
    dispatcher should), ``reopen_suggested`` (the earlier one was completed
    recently: a dispatcher decides whether to reopen it).  ``state`` is
    ``open`` until a dispatcher acts or dismisses it.
    """

    __tablename__ = "repeat_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    earlier_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    score: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    reasons: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DupDoc(CityOwned, Base):
    """An open order's prepared comparison features (TF-IDF vector, places), computed once at intake.

    Why stored: segmenting a few hundred candidate texts with jieba on every
    lookup would cost far more than the 20 ms budget; comparing stored vectors
    costs microseconds.  Rows live and die with the order's postings.
    """

    __tablename__ = "dup_docs"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    feats: Mapped[dict] = mapped_column(JSON)


