"""Reads for supervision: who sees which notices, notifications and accountability records; the board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import NotFound
from hotline.orders.models import Order
from hotline.org.models import Unit, User
from hotline.org.scoping import is_centre, subtree_ids
from hotline.outbox.inbox import Notification
from hotline.supervision.models import Accountability, Supervision

CENTRE_READERS = (Role.supervisor, Role.dispatcher, Role.leader, Role.admin)


def _unit_ids(db: Session, user: User) -> list[int] | None:
    """None: every unit (the centre); else the units whose notices this user sees."""
    if is_centre(user):
        return None
    if user.role == Role.unit_leader or (user.role == Role.dispatcher and user.unit.type == "district"):
        return subtree_ids(db, user.unit_id)
    if user.role == Role.unit_handler:
        return [user.unit_id]
    return []


def _by_unit(db: Session, user: User, column: Any) -> ColumnElement[bool]:
    ids = _unit_ids(db, user)
    if ids is None:
        return true()
    return column.in_(ids) if ids else false()


def list_supervisions(db: Session, *, user: User, states: list[str] | None = None, limit: int = 200
                      ) -> list[tuple[Supervision, Order]]:
    q = (select(Supervision, Order).join(Order, Order.id == Supervision.order_id)
         .where(_by_unit(db, user, Supervision.unit_id)))
    if states:
        q = q.where(Supervision.state.in_(states))
    return [(s, o) for s, o in db.execute(q.order_by(Supervision.respond_by, Supervision.id).limit(limit))]


def get_supervision(db: Session, *, sup_id: int, user: User) -> tuple[Supervision, Order]:
    row = db.execute(select(Supervision, Order).join(Order, Order.id == Supervision.order_id)
                     .where(Supervision.id == sup_id, _by_unit(db, user, Supervision.unit_id))).first()
    if row is None:
        raise NotFound("supervision_not_found", "找不到该督办", "supervision not found")
    return row[0], row[1]


def list_accountability(db: Session, *, user: User, unit: str | None = None, limit: int = 200
                        ) -> list[Accountability]:
    q = select(Accountability).where(_by_unit(db, user, Accountability.unit_id))
    if unit:
        q = q.join(Unit, Unit.id == Accountability.unit_id).where(Unit.code == unit)
    return list(db.scalars(q.order_by(Accountability.decided_at.desc(), Accountability.id.desc()).limit(limit)))


# ---------------------------------------------------------------- notifications


def notifications_filter(user: User) -> ColumnElement[bool]:
    """Addressed to the user, or to the user's unit (all of it, or the user's role in it)."""
    return or_(Notification.user_id == user.id,
               and_(Notification.unit_id == user.unit_id,
                    or_(Notification.role.is_(None), Notification.role == user.role)))


def list_notifications(db: Session, *, user: User, unread_only: bool = False, limit: int = 100
                       ) -> list[Notification]:
    q = select(Notification).where(notifications_filter(user))
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return list(db.scalars(q.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


# Notices that ask the reader to do something (sign, review, answer, decide); the bell and the notifications
# page put these first (issue #20: the bell groups by what needs action).  Every other notice is for information.
ACTION_TOPICS = frozenset({
    "order.dispatched", "order.at_subcentre", "order.return_requested", "order.extension_requested",
    "order.replied", "order.reopened", "order.urged", "order.supervised", "supervision.overdue", "appeal.filed",
    "reply.flagged", "reply_flag.answered", "designation.filed", "knowledge.review_due",
    "order.repeat_merge_suggested", "order.repeat_reopen_suggested",
})


def unread_by_need(db: Session, *, user: User) -> dict[str, int]:
    """Unread notices of the user: {"action": those that ask for something, "info": the rest}."""
    rows = db.execute(select(Notification.topic, func.count()).where(
        notifications_filter(user), Notification.read_at.is_(None)).group_by(Notification.topic))
    out = {"action": 0, "info": 0}
    for topic, n in rows:
        out["action" if topic in ACTION_TOPICS else "info"] += int(n)
    return out


def unread_count(db: Session, *, user: User) -> int:
    return db.scalar(select(func.count()).select_from(Notification).where(
        notifications_filter(user), Notification.read_at.is_(None))) or 0


def mark_read(db: Session, *, user: User, now: datetime, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; a stranger's id is 404."""
    q = update(Notification).where(notifications_filter(user), Notification.read_at.is_(None))
    if notification_id is not None:
        if db.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                   notifications_filter(user))) is None:
            raise NotFound("notification_not_found", "找不到该通知", "notification not found")
        q = q.where(Notification.id == notification_id)
    return db.execute(q.values(read_at=now).execution_options(synchronize_session=False)).rowcount


def present_notification(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "topic": n.topic, "title": n.title, "body": n.body, "order_number": n.order_number,
            "created_at": n.created_at, "read": n.read_at is not None}


# ---------------------------------------------------------------- the supervisor board


@dataclass
class BoardRow:
    order: Order
    light: str
    unit_name: str
    open_supervision: Supervision | None = None


@dataclass
class Board:
    red: list[BoardRow] = field(default_factory=list)
    yellow: list[BoardRow] = field(default_factory=list)
    by_unit: list[dict[str, Any]] = field(default_factory=list)  # counts of all; the lists hold the first ``limit``
    open_supervisions: list[tuple[Supervision, Order]] = field(default_factory=list)


#: The board's lists show the most urgent this many; the counts are of all (the page offers 显示全部)
BOARD_LIST = 50
BOARD_ALL = 300


def board(db: Session, *, user: User, now: datetime, limit: int = BOARD_ALL) -> Board:
    """Overdue (red) and due-soon (yellow) orders by lead unit, and open notices.

    Red is any passed deadline the unit still owes (sign, reply or complete);
    yellow is the complete deadline's light, computed like the sweep does.  The counts per unit and in
    all are read from the database; the two lists hold the first ``limit`` orders by deadline.
    """
    from hotline.orders.enums import BEFORE_REPLY, CLOCKED

    scope = _by_unit(db, user, Order.lead_unit_id)
    red_cond = or_(Order.due_at < now,
                   and_(Order.status == "dispatched", Order.sign_due_at < now),
                   and_(Order.status.in_(BEFORE_REPLY), Order.reply_due_at < now))
    red_where = (Order.status.in_(CLOCKED), scope, red_cond)
    red = list(db.scalars(select(Order).where(*red_where).order_by(Order.due_at).limit(limit)).unique())
    # warn_at is the instant the light turns yellow, stored with the deadline (sla.service.warn_time)
    yellow_where = (Order.status.in_(CLOCKED), scope, Order.due_at >= now, Order.warn_at <= now,
                    Order.clock_started_at.is_not(None), ~red_cond)
    yellow = list(db.scalars(select(Order).where(*yellow_where).order_by(Order.due_at).limit(limit)).unique())
    open_sups = list_supervisions(db, user=user, states=["open", "overdue"])
    by_order = {s.order_id: s for s, _ in open_sups}
    b = Board(open_supervisions=open_sups)
    counts: dict[int | None, dict[str, Any]] = {}

    def slot(unit: Unit | None) -> dict[str, Any]:
        key = unit.id if unit else None
        return counts.setdefault(key, {"unit": unit.name if unit else "—", "code": unit.code if unit else "",
                                       "red": 0, "yellow": 0})

    # the counts from the database (all of them), the lists below are capped at ``limit``
    per_unit = {light: dict(db.execute(select(Order.lead_unit_id, func.count()).where(*where)
                                       .group_by(Order.lead_unit_id)).all())
                for light, where in (("red", red_where), ("yellow", yellow_where))}
    ids = {u for n in per_unit.values() for u in n if u is not None}
    units = {u.id: u for u in db.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    for light, n_of in per_unit.items():
        for unit_id, n in n_of.items():
            slot(units.get(unit_id) if unit_id else None)[light] = n
    for o in red:
        b.red.append(BoardRow(o, "red", o.lead_unit.name if o.lead_unit else "—", by_order.get(o.id)))
    for o in yellow:
        b.yellow.append(BoardRow(o, "yellow", o.lead_unit.name if o.lead_unit else "—", by_order.get(o.id)))
    b.by_unit = sorted(counts.values(), key=lambda c: (-c["red"], -c["yellow"], c["unit"]))
    return b
