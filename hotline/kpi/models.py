"""The limits each lead assignment was judged against, kept for the KPIs.

Why: ``Order.sign_due_at`` and ``Order.due_at`` describe only the current
assignment — a return clears them, a reopen replaces them.  The response and
on-time rates must judge every assignment against the limits it really had
(extensions and suspensions included), so a hook (``hotline.kpi.facts``) copies
them here whenever they are set or moved.  One narrow row per lead assignment
also keeps the dashboard queries fast on a million orders (bench/kpi_dashboard.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, and_
from sqlalchemy.orm import Mapped, mapped_column

from hotline.callbacks.models import Evaluation
from hotline.city.tenancy import CityOwned
from hotline.db import Base, UTCDateTime
from hotline.orders.models import Assignment, Order, OrderRequest


class AssignmentLimit(CityOwned, Base):
    __tablename__ = "kpi_assignment_limits"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the first completion deadline, before any approved extension (a suspension moves it too: it is no
    # extension); the on-time rate judges against it when 批准延期不计超时 is off (definitions.EXCLUSION_RULES)
    first_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Covering on PostgreSQL (INCLUDE): the period's rows are read from the index alone.
    __table_args__ = (
        Index("ix_kpi_limits_assigned", "assigned_at", "unit_id",
              postgresql_include=["assignment_id", "order_id", "sign_due_at"]),
        Index("ix_kpi_limits_due", "due_at", "unit_id", postgresql_include=["assignment_id", "order_id", "assigned_at"]),
    )


class DailyFact(CityOwned, Base):
    """One local day's counts of one KPI source for one unit (``hotline.kpi.daily``, docs/kpi.md §7).

    ``kind`` is a source key of ``definitions.SOURCES`` (n1… are its counts in their order), ``received``
    (the centre's intake source), ``funnel`` (received, dispatched, signed, replied, completed, closed),
    ``category`` (``code`` = "c:" + category code, "" for none) or ``territory`` (``unit_id`` = the
    territory unit).  ``unit_id`` 0 stands for none (no id is 0): a key column cannot be NULL."""

    __tablename__ = "kpi_daily_facts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # no key to units: 0 means none
    code: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    n1: Mapped[int] = mapped_column(Integer, default=0)
    n2: Mapped[int] = mapped_column(Integer, default=0)
    n3: Mapped[int] = mapped_column(Integer, default=0)
    n4: Mapped[int] = mapped_column(Integer, default=0)
    n5: Mapped[int] = mapped_column(Integer, default=0)
    n6: Mapped[int] = mapped_column(Integer, default=0)


class FactDay(CityOwned, Base):
    """A local day whose facts are computed, with the exclusion rules they were computed under
    (``rules``: the rule keys that were on, sorted, comma-separated).  A day without a row has no facts."""

    __tablename__ = "kpi_fact_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rules: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DirtyDay(CityOwned, Base):
    """A local day some write changed: dirty (read live) while ``version > clean``.

    Every marking bumps ``version``; a refresh sets ``clean`` to the version it read before computing,
    so a write that lands meanwhile leaves the day dirty.  Rows are never deleted: a deleted and
    re-inserted mark could come back at a version a refresh had read (docs/kpi.md §7)."""

    __tablename__ = "kpi_dirty_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    clean: Mapped[int] = mapped_column(Integer, default=0)


# Indexes on shared tables for the KPI queries (kpi/queries.py), declared here so the KPI package
# owns them; they may move to the owning package's models.py.  Each one lets a dashboard query
# read only an index range (an index-only scan on PostgreSQL, where INCLUDE makes it covering)
# instead of the table: measured in bench/kpi_dashboard.py, see docs/kpi.md §7.
_A, _E, _O, _R = Assignment, Evaluation, Order, OrderRequest
# the join target of the dispatched / due counts: one index probe per assignment, no heap visit
Index("ix_kpi_assignments_id_cover", _A.id, postgresql_include=["signed_at", "replied_at", "end_reason"])
# lead assignments by dispatch time, for the join of the dispatched count (签收及时率)
Index("ix_kpi_assignments_lead_assigned", _A.assigned_at,
      postgresql_include=["id", "signed_at", "replied_at", "end_reason"],
      postgresql_where=_A.role == "lead", sqlite_where=_A.role == "lead")
# replied and reopened lead assignments, by event time (重办率)
Index("ix_kpi_assignments_replied", _A.replied_at, _A.unit_id, postgresql_include=["order_id", "end_reason"],
      postgresql_where=_A.role == "lead", sqlite_where=_A.role == "lead")
Index("ix_kpi_assignments_reopened", _A.ended_at, _A.unit_id, postgresql_include=["order_id", "role", "end_reason"],
      postgresql_where=_A.end_reason == "reopened", sqlite_where=_A.end_reason == "reopened")
# approved returns by decision time (退单率)
Index("ix_kpi_returns_decided", _R.decided_at, _R.unit_id, postgresql_include=["order_id"],
      postgresql_where=and_(_R.kind == "return", _R.state == "approved"),
      sqlite_where=and_(_R.kind == "return", _R.state == "approved"))
# evaluations of the period that count (解决率 / 满意率)
Index("ix_kpi_evaluations_counted", _E.at, _E.unit_id, postgresql_include=["solved", "satisfaction"],
      postgresql_where=and_(_E.excluded_reason.is_(None), _E.unit_id.is_not(None)),
      sqlite_where=and_(_E.excluded_reason.is_(None), _E.unit_id.is_not(None)))
# every orders figure of the dashboard (volume, categories, territory, funnel, first contact)
Index("ix_kpi_orders_created_cover", _O.created_at,
      postgresql_include=["status", "category_code", "territory_unit_id", "first_contact_resolved",
                          "first_dispatched_at", "signed_at", "replied_at", "completed_at", "closed_at"])


# the daily facts' dirty-day listeners live with the tables they keep true: wherever the models are
# loaded (the app, the worker, a test, Alembic), a write marks its days
from hotline.kpi import daily as _daily  # noqa: E402,F401
