"""Saved views (保存的视图): a named filter of an order list, kept for one person or for a role.

A view stores the list's own query parameters (``hotline.console.order_pages.FILTER_KEYS`` plus
``sort``), so opening it is opening the list with that query: no second filter language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

VIEW_LISTS = ("orders", "queue", "inbox")  # 工单查询 / 派单队列 / 待办


class SavedView(CityOwned, Base):
    __tablename__ = "saved_views"
    __table_args__ = (Index("ix_saved_views_owner", "owner_id"), Index("ix_saved_views_role", "role"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    list: Mapped[str] = mapped_column(String(16), default="orders")
    # exactly one of owner (a person's view) or role (shared with everyone of that role)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(32))
    query: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
