"""Reads of 转办: a city's outgoing and incoming transfers, an order's exchange, the citizen's view.

The row belongs to the sending city (``CityOwned``).  The receiving city sees its incoming rows
through ``_incoming`` — **the one all-cities read of this table**, always filtered to
``to_city_id == <acting city>`` — and what it may see of them is what the sender chose to hand
over (the demand itself is copied into the new order).  A read of the *other* order's status
(the sender's page shows where the new order stands, the citizen tracking the old number sees the
new one) acts as that order's city for one SELECT (``tenancy.acting_as``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.city.models import City
from hotline.city.tenancy import acting_as, current_scope, scope_of
from hotline.db import utcnow
from hotline.orders.enums import STATUS_EN, STATUS_ZH, TRANSFERRED, Status
from hotline.orders.models import Order
from hotline.transfers.models import STATE_ZH, Transfer

#: The acceptance time limit, in working days of the RECEIVING city's calendar (docs/transfers.md).
ACCEPT_WITHIN_WORKING_DAYS = 1
#: Who may list transfers: the centres' people and the province's readers.
LIST_ROLES = frozenset({"dispatcher", "operator", "supervisor", "leader",
                        "province_leader", "province_supervisor", "province_admin"})


def city(db: Session, city_id: int) -> City:
    row = db.get(City, city_id)
    assert row is not None, city_id
    return row


def _incoming(db: Session) -> Any:
    """Transfers addressed to the acting city (the explicit all-cities read, see the module doc)."""
    scope = current_scope()
    stmt = select(Transfer).execution_options(all_cities=True)
    if scope.id is not None:
        stmt = stmt.where(Transfer.to_city_id == scope.id)
    return stmt


def incoming_for(db: Session, order: Order) -> Transfer | None:
    """The transfer that brought ``order`` (a receiving city's order) here."""
    return db.scalar(_incoming(db).where(Transfer.to_order_id == order.id).order_by(Transfer.id.desc()).limit(1))


def outgoing_for(db: Session, order: Order) -> list[Transfer]:
    """Every transfer of ``order`` (a sending city's order), oldest first (scoped as usual)."""
    return list(db.scalars(select(Transfer).where(Transfer.from_order_id == order.id).order_by(Transfer.id)))


def open_outgoing(db: Session, order: Order) -> Transfer | None:
    return next((t for t in outgoing_for(db, order) if t.state == "requested"), None)


def other_status(db: Session, city_id: int, order_id: int | None) -> str | None:
    """The status of an order of another city (one SELECT acting as that city)."""
    if order_id is None:
        return None
    with acting_as(city(db, city_id)):
        return db.scalar(select(Order.status).where(Order.id == order_id))


def light(db: Session, t: Transfer, now: datetime | None = None) -> str | None:
    """The acceptance light (green / yellow / red) of a pending transfer, on the receiving city's limits."""
    if t.state != "requested":
        return None
    from hotline.sla.policy import light as _light
    from hotline.sla.service import bound

    with acting_as(city_for(db, t.to_city_id)):
        cfg, _ = bound()
    return _light(now or utcnow(), t.requested_at, t.due_at, cfg.due_soon_ratio)


def city_for(db: Session, city_id: int) -> Any:
    return scope_of(city(db, city_id))


def present(db: Session, t: Transfer, *, lang: str = "zh", now: datetime | None = None) -> dict[str, Any]:
    """A transfer as the pages and the API show it, from either side."""
    labels = STATUS_EN if lang == "en" else STATUS_ZH
    names = {c.id: c.name for c in db.scalars(select(City))}
    acting = current_scope().id
    other_city, other_id = (t.to_city_id, t.to_order_id) if acting != t.to_city_id else (t.city_id, t.from_order_id)
    status = other_status(db, other_city, other_id) if acting is not None else None
    return {
        "id": t.id, "from_city": names.get(t.city_id, ""), "from_number": t.from_number,
        "to_city": names.get(t.to_city_id, ""), "to_desk": t.to_desk, "to_number": t.to_number,
        "direction": "in" if acting == t.to_city_id else ("out" if acting == t.city_id else "between"),
        "reason": t.reason, "state": t.state, "state_label": STATE_ZH[t.state],
        "requested_at": t.requested_at, "requested_by": t.requested_by, "due_at": t.due_at,
        "decided_at": t.decided_at, "decided_by": t.decided_by, "decision_note": t.decision_note,
        "light": light(db, t, now), "overdue": t.state == "requested" and (now or utcnow()) > t.due_at,
        "other_status": status, "other_status_label": labels[Status(status)] if status else None,
    }


def list_for_city(db: Session, *, state: str | None = None, limit: int = 200) -> list[Transfer]:
    """The acting city's transfers, outgoing and incoming, newest first; for the province, all of them."""
    scope = current_scope()
    stmt = _incoming(db)
    if scope.id is not None:
        stmt = select(Transfer).execution_options(all_cities=True).where(
            or_(Transfer.city_id == scope.id, Transfer.to_city_id == scope.id))
    if state:
        stmt = stmt.where(Transfer.state == state)
    return list(db.scalars(stmt.order_by(Transfer.id.desc()).limit(limit)))


def pending_incoming(db: Session) -> list[Transfer]:
    return list(db.scalars(_incoming(db).where(Transfer.state == "requested").order_by(Transfer.due_at)))


def follow(db: Session, order: Order) -> dict[str, Any] | None:
    """What the citizen tracking ``order`` learns of its transfer: where it went and the new order there.

    Only for an order that left (transferred out, or sent and not yet answered); the new order's
    status is the receiving city's, in the citizen's words of that status (``CITIZEN`` labels come
    from the portal, so this returns the status code).
    """
    if order.status not in TRANSFERRED:
        return None
    t = next((t for t in reversed(outgoing_for(db, order)) if t.state in ("requested", "accepted")), None)
    if t is None:
        return None
    return {"city": city(db, t.to_city_id).name, "desk": t.to_desk, "number": t.to_number,
            "accepted": t.state == "accepted", "status": other_status(db, t.to_city_id, t.to_order_id)}
