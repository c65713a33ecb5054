"""Which orders a user may see, and how much of the citizen: one filter shared by lists, search,
exports and the single-order reads (units see their assignments, sub-centres their district)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import Forbidden
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.models import Assignment, Order
from hotline.org.models import User
from hotline.org.scoping import is_centre, mask_phone, subtree_ids


def visible_filter(db: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause that limits an order query to what ``user`` may see."""
    if is_centre(user):
        return true()
    if user.role == Role.dispatcher and user.unit.type == "district":
        units = subtree_ids(db, user.unit_id)
        return or_(
            Order.subcentre_unit_id == user.unit_id,
            exists().where(Assignment.order_id == Order.id, Assignment.unit_id.in_(units)),
        )
    if user.role == Role.unit_leader:
        units = subtree_ids(db, user.unit_id)
        return exists().where(Assignment.order_id == Order.id, Assignment.unit_id.in_(units))
    if user.role == Role.unit_handler:
        return exists().where(Assignment.order_id == Order.id, Assignment.unit_id == user.unit_id)
    return false()


def can_see(db: Session, user: User, order: Order) -> bool:
    return bool(db.scalar(select(Order.id).where(Order.id == order.id, visible_filter(db, user))))


def citizen_view(user: User | None, order: Order) -> dict[str, str | None]:
    """The citizen's name and phone as this viewer may see them."""
    if user is not None and is_centre(user):
        return {"citizen_name": order.citizen_name, "citizen_phone": order.citizen_phone}
    if order.confidential:
        return {"citizen_name": "（保密）", "citizen_phone": None}
    name = order.citizen_name
    if name:
        name = name[0] + "*" * (len(name) - 1)
    return {"citizen_name": name, "citizen_phone": mask_phone(order.citizen_phone)}


def check_scope(db: Session, order: Order, actor: Actor, action: Action) -> None:
    """Units act only on their own orders; sub-centres only on theirs."""
    user = actor.user
    if user is None:
        return
    if user.role in (Role.unit_handler, Role.unit_leader):
        allowed = {user.unit_id}
        if user.role == Role.unit_leader:
            allowed = set(subtree_ids(db, user.unit_id))
        active = order.active_assignments()
        if action == Action.co_reply:
            units = {a.unit_id for a in active if a.role == "co"}
        elif action == Action.comment:
            units = {a.unit_id for a in active}
        else:
            units = {a.unit_id for a in active if a.role == "lead"}
        if not units & allowed:
            raise Forbidden("not_your_order", "该工单不由本单位承办", "this order is not assigned to your unit")
    elif user.role == Role.dispatcher and not is_centre(user):
        if order.subcentre_unit_id != user.unit_id:
            raise Forbidden("not_your_order", "该工单不属于本分中心", "this order is not at your sub-centre")
    elif not is_centre(user):
        raise Forbidden("not_your_order", "无权操作该工单", "you may not act on this order")
