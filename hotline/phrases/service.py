"""Reading reply templates: whose templates a user keeps, which ones a reply form offers."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.errors import NotFound
from hotline.orders.models import Order
from hotline.org.models import Unit, User
from hotline.org.scoping import is_centre
from hotline.phrases.fill import OrderFacts, fill
from hotline.phrases.models import ReplyTemplate

EDIT_ROLES = ("unit_handler", "unit_leader", "admin")  # a unit's staff keep its templates; the centre's admin the centre's


def centre_unit_ids(db: Session) -> list[int]:
    return list(db.scalars(select(Unit.id).where(Unit.type == "centre")))


def can_edit(user: User) -> bool:
    return user.role in EDIT_ROLES and (user.role != "admin" or is_centre(user))


def owned(db: Session, *, user: User) -> list[ReplyTemplate]:
    """The templates this user may edit: their unit's (the centre's for the centre's admin)."""
    return list(db.scalars(select(ReplyTemplate).where(ReplyTemplate.unit_id == user.unit_id)
                           .order_by(ReplyTemplate.title, ReplyTemplate.id)))


def offered(db: Session, *, user: User) -> list[ReplyTemplate]:
    """What a reply form offers: the user's unit's active templates, then the centre's."""
    units = [user.unit_id, *centre_unit_ids(db)]
    rows = db.scalars(select(ReplyTemplate).where(ReplyTemplate.active.is_(True), or_(ReplyTemplate.unit_id.in_(units)))
                      .order_by(ReplyTemplate.unit_id != user.unit_id, ReplyTemplate.title, ReplyTemplate.id))
    return list(rows)


def get(db: Session, *, template_id: int, user: User) -> ReplyTemplate:
    t = db.get(ReplyTemplate, template_id)
    if t is None or t.unit_id != user.unit_id:
        raise NotFound("template_not_found", "找不到该常用语", "reply template not found")
    return t


def facts(order: Order) -> OrderFacts:
    tz = city_tz()
    return OrderFacts(number=order.number, created=order.created_at.astimezone(tz).date(),
                      unit=order.lead_unit.name if order.lead_unit else "", title=order.title,
                      today=utcnow().astimezone(tz).date())


def filled(order: Order, template: ReplyTemplate) -> str:
    return fill(template.body, facts(order))


def present(t: ReplyTemplate) -> dict[str, object]:
    return {"id": t.id, "title": t.title, "body": t.body, "active": t.active, "unit": t.unit.name if t.unit else None,
            "updated_at": t.updated_at.isoformat() if t.updated_at else None}
