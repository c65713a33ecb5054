"""Who sees which orders, and what of the citizen they see (the order filter itself is
``hotline.orders.scoping``; this module holds the unit side, which needs no order).

Rules (each has a test in tests/integration/test_access.py):
- People of the centre see every order.
- A district sub-centre dispatcher sees the orders sent to the sub-centre.
- A unit handler sees orders assigned (now or before) to the unit.
- A unit leader sees orders assigned to the unit or any unit below it.
- Outside the centre a citizen's phone number is masked (138****1234), and the
  identity of a confidential reporter (举报保密) is never shown at all.
- Per-unit figures and their records (the KPI drill-down): the centre sees every
  unit; anyone else only their own unit and the units below it (``unit_in_scope``).
- Repeat-call links (重复来电) are the centre's work list: only the centre's
  dispatchers and supervisors list or resolve them (``can_handle_repeats``), on the
  page and in the API alike.
- Records a unit answers for and the centre reviews (appeals, reply flags): the
  centre sees them all, a unit handler its unit's, a unit leader its subtree's,
  anyone else none (``unit_records``, ``sees_unit_record``); the reviews
  themselves are the centre's named roles' (``is_centre_in``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import Forbidden
from hotline.org.models import Unit, User

S = TypeVar("S", bound="Select[Any]")  # the caller's own statement, narrowed or not


def is_centre(user: User) -> bool:
    return user.unit.type == "centre"


def is_centre_in(user: User, *roles: str) -> bool:
    """Is ``user`` a person of the centre in one of ``roles``?  The check behind the centre's reviews and
    lists (appeals, reply flags, push-downs, repeat calls): a role name alone is not enough, since a
    district sub-centre has dispatchers too."""
    return is_centre(user) and user.role in roles


def subtree_ids(db: Session, unit_id: int) -> list[int]:
    """The unit and every unit below it.

    Memoised on the session (one request): presenting a list asks this for every order's
    allowed actions, and the unit tree does not change under a request.
    """
    memo: dict[int, list[int]] = db.info.setdefault("subtree_ids", {})
    if unit_id not in memo:
        memo[unit_id] = _subtree_ids(db, unit_id)
    return memo[unit_id]


def _subtree_ids(db: Session, unit_id: int) -> list[int]:
    ids = [unit_id]
    frontier = [unit_id]
    while frontier:
        children = list(db.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))))
        ids.extend(children)
        frontier = children
    return ids


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "****"


def my_units(db: Session, user: User) -> list[int]:
    """The units whose work a unit person sees: a leader its subtree, a handler its own unit; nobody
    else (shared by appeals and reply flags, which list a unit's own records: ``unit_records``)."""
    if user.role == Role.unit_leader:
        return subtree_ids(db, user.unit_id)
    if user.role == Role.unit_handler:
        return [user.unit_id]
    return []


def unit_records(db: Session, stmt: S, unit_column: Any, *, user: User, sees_all: bool, what_zh: str,
                 what_en: str) -> S:
    """A unit's own records of a centre-reviewed kind (appeals, reply flags): ``stmt`` unchanged for a viewer
    who ``sees_all``; else narrowed to ``my_units``; 403 ``role_not_allowed`` for anyone with no units."""
    if sees_all:
        return stmt
    units = my_units(db, user)
    if not units:
        raise Forbidden("role_not_allowed", f"您的角色无权查看{what_zh}", f"your role may not see {what_en}")
    return stmt.where(unit_column.in_(units))


def sees_unit_record(db: Session, user: User, unit_id: int, *, sees_all: bool) -> bool:
    """The one-record side of ``unit_records``: may ``user`` open a record of ``unit_id``?  (Callers answer
    404 when not, so a unit cannot learn which records of others exist.)"""
    return sees_all or unit_id in my_units(db, user)


def unit_in_scope(db: Session, user: User, unit_id: int) -> bool:
    """May ``user`` see the records behind a unit's figures?  The centre: any unit; others: their subtree."""
    if is_centre(user):
        return True
    if user.role == Role.unit_handler:
        return unit_id == user.unit_id
    return unit_id in subtree_ids(db, user.unit_id)


def can_handle_repeats(user: User) -> bool:
    """Repeat-call links are the centre's: its dispatchers and supervisors list and resolve them."""
    return is_centre_in(user, Role.dispatcher, Role.supervisor)


def require_repeat_handler(user: User) -> None:
    if not can_handle_repeats(user):
        raise Forbidden("role_not_allowed", "仅热线中心派单员可处理重复来电",
                        "only the centre's dispatchers handle repeat calls")
