"""Hot matters (热点) and systemic problems (共性问题) kept as entities of the city (issue #16 items 1–2).

Why rows, not a computation per page: grouping a city's window segments every text (seconds), so
it runs in the worker (and ``hotline hotspots refresh``); the pages read these rows.  A matter keeps
its id across re-groupings (a new run is matched to the stored matters by member overlap), so its
URL, its state (open / handled) and its history survive.  A leader's merges and splits are kept as
order pairs (``HotMatterLink``: must-link / cannot-link) that every later grouping honours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime, utcnow

KINDS = ("place", "systemic")  # one hot place and demand / one kind of demand across many places
STATES = ("open", "handled")
LINKS = ("must", "cannot")


class HotMatter(CityOwned, Base):
    __tablename__ = "hot_matters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="place")
    key: Mapped[str | None] = mapped_column(String(120))  # a systemic problem's identity: its category and words
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))
    places: Mapped[list[Any]] = mapped_column(JSON, default=list)  # systemic: [[place, orders], …]
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[unit name, orders], …] the units involved
    first_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size: Mapped[int] = mapped_column(Integer, default=0)  # orders
    volume: Mapped[int] = mapped_column(Integer, default=0)  # distinct callers
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    growth: Mapped[float] = mapped_column(Float, default=0.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false: merged into another, or dissolved
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("hot_matters.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # a lost race is a 409

    # the /hotspots page reads the 50 hottest active matters of each kind and max(refreshed_at) of its city: with
    # years of hourly re-groupings (100,000 stored matters at 1M orders) both were scans without these two
    __table_args__ = (Index("ix_hot_matters_active_heat", "active", "heat"),
                      Index("ix_hot_matters_listing", "city_id", "kind", "active", "heat"),
                      Index("ix_hot_matters_refreshed", "city_id", "refreshed_at"))
    __mapper_args__ = {"version_id_col": version, "primary_key": [id]}  # the table's key is (city_id, id)


class HotMatterOrder(CityOwned, Base):
    """Membership: an order belongs to at most one place-kind matter at a time (the grouping's partition)."""

    __tablename__ = "hot_matter_orders"

    hot_matter_id: Mapped[int] = mapped_column(ForeignKey("hot_matters.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True, index=True)


class HotMatterEvent(CityOwned, Base):
    """History: created, grew, shrank, handled, merged, split, dissolved — with the actor (a user or 系统)."""

    __tablename__ = "hot_matter_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hot_matter_id: Mapped[int] = mapped_column(ForeignKey("hot_matters.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(128), default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HotMatterLink(CityOwned, Base):
    """A leader's correction as data: two orders are (must) or are not (cannot) the same matter."""

    __tablename__ = "hot_matter_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    order_a_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    order_b_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
