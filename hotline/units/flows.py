"""The unit tree's writes (docs/admin.md, 单位): create, edit and rename, move, merge and retire.

Each ``do_*`` runs in the caller's transaction and adds its ``AuditLog`` row(s) with before and
after; the caller commits once (``commit_or_conflict``) and then makes routing forget its per-city
catalogue cache (``forget_routing``), as after a keyword edit.

Merge (A into B) and retire are one plan (``plan``): what the administrator chose — open orders and
assignments to the target or staying; the unit's people to the target, staying, or disabled; the
catalogue duties into the target — turned into the exact rows that will change.  The preview page
shows the plan's counts; the confirm carries the same plan out, so the preview says what happens.
Only **open** work moves (an order in ``orders.enums.OPEN``, an active assignment): closed orders,
ended assignments, replies and the rankings' history stay the old unit's.  Every moved assignment
writes a row on its order's timeline (a system 备注 naming both units), in the same transaction.
Unit codes never change: the city file and routing refer to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import UnitType
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, NotFound
from hotline.orders.enums import OPEN, Action
from hotline.orders.models import Assignment, Order, OrderEvent
from hotline.org import people
from hotline.org.audit import record
from hotline.org.models import Unit, User
from hotline.org.units import merge_duties, record_rename

#: the kinds an administrator may create (the centre is one per city, from the city file)
CREATABLE = tuple(t.value for t in UnitType if t != UnitType.centre)
ORDER_CHOICES = ("move", "stay")
USER_CHOICES = ("move", "stay", "disable")
MAX_NAME, MAX_SHORT, MAX_CODE, MAX_PHONE, MAX_DUTIES = 128, 64, 64, 32, 4000


def snapshot(u: Unit, parents: dict[int, str] | None = None) -> dict[str, Any]:
    parent = (parents or {}).get(u.parent_id or -1) if parents is not None else (u.parent.code if u.parent else None)
    return {"code": u.code, "name": u.name, "short_name": u.short_name, "type": u.type, "parent": parent,
            "duties": u.duties, "phone": u.phone, "active": u.active, "keywords": list(u.keywords or []),
            "categories": list(u.categories or [])}


def get_unit(db: Session, code: str) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound("unit_not_found", f"找不到单位：{code}", f"unit not found: {code}")
    return unit


def get_unit_by_id(db: Session, unit_id: int) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.id == unit_id))
    if unit is None:
        raise NotFound("unit_not_found", "找不到该单位", "unit not found")
    return unit


def _text(value: str | None, *, limit: int, field_name: str, zh: str, required: bool = False) -> str | None:
    if value is None:
        return None
    v = value.strip()
    if required and not v:
        raise BadRequest("unit_field_required", f"{zh}必填", f"{field_name} is required", field=field_name)
    if len(v) > limit:
        raise BadRequest("unit_field_too_long", f"{zh}不能超过{limit}个字符",
                         f"{field_name} may have at most {limit} characters", field=field_name)
    return v


def _parent(db: Session, code: str | None) -> Unit | None:
    if not code:
        return None
    parent = db.scalar(select(Unit).where(Unit.code == code))
    if parent is None:
        raise BadRequest("parent_not_found", f"找不到上级单位：{code}", f"parent unit not found: {code}", field="parent")
    if not parent.active:
        raise BadRequest("parent_retired", f"上级单位已撤销：{parent.name}", f"the parent unit is retired: {code}",
                         field="parent")
    return parent


def _is_under(db: Session, unit: Unit, ancestor: Unit) -> bool:
    """Whether ``unit`` is ``ancestor`` or lies below it (walking up, so a broken chain cannot loop)."""
    parents = dict(db.execute(select(Unit.id, Unit.parent_id)).all())
    seen: set[int] = set()
    node: int | None = unit.id
    while node is not None and node not in seen:
        if node == ancestor.id:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def do_create_unit(db: Session, *, actor: User, code: str, name: str, type: str, parent_code: str | None,
                   short_name: str | None = None, duties: str = "", phone: str | None = None) -> Unit:
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE or not code.isascii() or not all(c.isalnum() or c in "-_." for c in code):
        raise BadRequest("unit_code_invalid", "单位编码须为1–64位字母、数字或 - _ .",
                         "a unit code is 1–64 letters, digits or - _ .", field="code")
    if type not in CREATABLE:
        raise BadRequest("unit_type_invalid", f"无效的单位类型：{type}", f"not a unit type one may create: {type}",
                         field="type")
    if db.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict("unit_code_taken", f"单位编码已存在：{code}", f"unit code already exists: {code}")
    unit = Unit(code=code, name=_text(name, limit=MAX_NAME, field_name="name", zh="单位名称", required=True),
                short_name=_text(short_name, limit=MAX_SHORT, field_name="short_name", zh="简称") or None,
                type=type, duties=_text(duties, limit=MAX_DUTIES, field_name="duties", zh="职责") or "",
                phone=_text(phone, limit=MAX_PHONE, field_name="phone", zh="电话") or None,
                keywords=[], categories=[], active=True)
    parent = _parent(db, parent_code)
    unit.parent_id = parent.id if parent else None
    db.add(unit)
    db.flush()
    record(db, actor=actor, action="unit.create", entity="unit", entity_id=code, before={},
           after=snapshot(unit, {parent.id: parent.code} if parent else {}))
    return unit


def do_update_unit(db: Session, *, actor: User, unit: Unit, name: str | None = None, short_name: str | None = None,
                   duties: str | None = None, phone: str | None = None) -> Unit:
    """Rename (the old name is kept: ``unit_names``), and contacts and duty text."""
    before = snapshot(unit)
    new_name = _text(name, limit=MAX_NAME, field_name="name", zh="单位名称", required=True) if name is not None else None
    if new_name is not None and new_name != unit.name:
        record_rename(db, unit, new_name, at=utcnow())
    if short_name is not None:
        unit.short_name = _text(short_name, limit=MAX_SHORT, field_name="short_name", zh="简称") or None
    if duties is not None:
        unit.duties = _text(duties, limit=MAX_DUTIES, field_name="duties", zh="职责") or ""
    if phone is not None:
        unit.phone = _text(phone, limit=MAX_PHONE, field_name="phone", zh="电话") or None
    after = snapshot(unit)
    if after != before:
        record(db, actor=actor, action="unit.rename" if after["name"] != before["name"] else "unit.update",
               entity="unit", entity_id=unit.code, before=before, after=after)
    return unit


def do_move_unit(db: Session, *, actor: User, unit: Unit, parent_code: str | None) -> Unit:
    """A new parent (none: top level); a unit cannot go below itself."""
    if unit.is_centre:
        raise BadRequest("centre_fixed", "热线中心不能移动、合并或撤销", "the centre cannot be moved, merged or retired")
    parent = _parent(db, parent_code)
    if parent is not None and _is_under(db, parent, unit):
        raise BadRequest("unit_cycle", "不能把单位移到它自己或它的下级单位之下",
                         "a unit cannot move below itself or one of its own sub-units", field="parent")
    before = snapshot(unit)
    unit.parent_id = parent.id if parent else None
    db.flush()
    db.expire(unit, ["parent"])
    after = snapshot(unit)
    if after != before:
        record(db, actor=actor, action="unit.move", entity="unit", entity_id=unit.code, before=before, after=after)
    return unit


# ---- merge and retire: one plan, previewed, then carried out -------------------------------------------------


@dataclass
class Plan:
    kind: str  # merge | retire
    unit: Unit
    target: Unit | None
    orders: str  # move | stay
    users: str  # move | stay | disable
    duties: bool
    assignments: list[Assignment] = field(default_factory=list)  # the unit's open assignments
    other_orders: list[Order] = field(default_factory=list)  # open orders it is 分中心 or 属地 of, not assigned
    people: list[User] = field(default_factory=list)
    children: list[Unit] = field(default_factory=list)
    ending: list[Assignment] = field(default_factory=list)  # co-handling the target already has: ends
    closed_assignments: int = 0  # history that stays
    keywords: list[str] = field(default_factory=list)  # added to the target
    categories: list[str] = field(default_factory=list)

    @property
    def open_orders(self) -> int:
        return len({a.order_id for a in self.assignments} | {o.id for o in self.other_orders})

    def counts(self) -> dict[str, Any]:
        moving = self.orders == "move"
        return {
            "kind": self.kind, "unit": self.unit.code, "target": self.target.code if self.target else None,
            "orders": self.orders, "users": self.users, "duties": self.duties,
            "open_orders": self.open_orders, "open_assignments": len(self.assignments),
            "lead_assignments": sum(1 for a in self.assignments if a.role == "lead"),
            "co_assignments": sum(1 for a in self.assignments if a.role == "co"),
            "orders_moved": self.open_orders if moving else 0,
            "assignments_moved": len(self.assignments) - len(self.ending) if moving else 0,
            "assignments_ended": len(self.ending) if moving else 0,
            "people": len(self.people), "active_people": sum(1 for u in self.people if u.active),
            "people_moved": len(self.people) if self.users == "move" else 0,
            "people_disabled": sum(1 for u in self.people if u.active) if self.users == "disable" else 0,
            "children": len(self.children), "closed_assignments_stay": self.closed_assignments,
            "keywords": list(self.keywords), "categories": list(self.categories),
        }


def _choice(value: str, allowed: Iterable[str], field_name: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise BadRequest("unit_choice_invalid", f"无效的选项：{value}",
                         f"{field_name} must be one of {', '.join(allowed)}", field=field_name)
    return value


def plan(db: Session, *, kind: str, unit: Unit, target_code: str | None, orders: str = "move",
         users: str = "move", duties: bool = True) -> Plan:
    """What a merge (``kind="merge"``, into ``target_code``) or a retire (target optional) would change."""
    if unit.is_centre:
        raise BadRequest("centre_fixed", "热线中心不能移动、合并或撤销", "the centre cannot be moved, merged or retired")
    if not unit.active:
        raise Conflict("unit_already_retired", f"单位已撤销：{unit.name}", f"the unit is already retired: {unit.code}")
    orders, users = _choice(orders, ORDER_CHOICES, "orders"), _choice(users, USER_CHOICES, "users")
    target: Unit | None = None
    if target_code:
        target = db.scalar(select(Unit).where(Unit.code == target_code))
        if target is None:
            raise BadRequest("target_not_found", f"找不到目标单位：{target_code}", f"target unit not found: {target_code}",
                             field="target")
        if target.id == unit.id:
            raise BadRequest("merge_into_self", "不能并入单位自身", "a unit cannot be merged into itself", field="target")
        if not target.active:
            raise BadRequest("target_retired", f"目标单位已撤销：{target.name}", f"the target unit is retired: {target_code}",
                             field="target")
        if _is_under(db, target, unit):
            raise BadRequest("unit_cycle", "不能并入本单位的下级单位", "a unit cannot be merged into one of its own sub-units",
                             field="target")
    elif kind == "merge":
        raise BadRequest("target_required", "合并须选择目标单位", "a merge needs a target unit", field="target")
    if target is None and (orders == "move" or users == "move"):
        raise BadRequest("target_required", "转移工单或人员须选择目标单位", "moving orders or people needs a target unit",
                         field="target")
    p = Plan(kind=kind, unit=unit, target=target, orders=orders, users=users, duties=bool(duties and target))
    p.children = list(db.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.active.is_(True)).order_by(Unit.code)))
    if kind == "retire" and p.children:
        raise BadRequest("unit_has_children", f"请先移走或撤销{len(p.children)}个下级单位",
                         f"move or retire its {len(p.children)} sub-unit(s) first", children=[c.code for c in p.children])
    p.assignments = list(db.scalars(
        select(Assignment).join(Assignment.order)
        .where(Assignment.unit_id == unit.id, Assignment.active.is_(True), Order.status.in_(OPEN))
        .order_by(Assignment.order_id, Assignment.id)))
    assigned = {a.order_id for a in p.assignments}
    if target is not None:
        held = set(db.scalars(select(Assignment.order_id).where(Assignment.unit_id == target.id,
                                                                Assignment.active.is_(True))))
        p.ending = [a for a in p.assignments if a.role == "co" and a.order_id in held]
    p.other_orders = [o for o in db.scalars(
        select(Order).where(Order.status.in_(OPEN),
                            (Order.subcentre_unit_id == unit.id) | (Order.territory_unit_id == unit.id))
        .order_by(Order.id)) if o.id not in assigned]
    p.closed_assignments = len(list(db.scalars(select(Assignment.id).where(Assignment.unit_id == unit.id)))) - len(
        p.assignments)
    p.people = list(db.scalars(select(User).where(User.unit_id == unit.id).order_by(User.username)))
    if p.duties and target is not None:
        p.keywords = [k for k in (unit.keywords or []) if k not in (target.keywords or [])]
        p.categories = [c for c in (unit.categories or []) if c not in (target.categories or [])]
    return p


def _timeline(db: Session, order: Order, *, actor: User, unit: Unit, target: Unit, roles: list[str],
              kind: str, now: Any) -> None:
    verb = "并入" if kind == "merge" else "撤销，工作转至"
    role_zh = "、".join({"lead": "主办", "co": "协办"}.get(r, r) for r in roles) or "属地/分中心"
    db.add(OrderEvent(order_id=order.id, at=now, actor_id=actor.id, actor_label=actor.username, actor_role=actor.role,
                      action=Action.comment.value, from_status=order.status, to_status=order.status, unit_id=target.id,
                      note=f"单位调整：{unit.name}{verb}{target.name}，本单{role_zh}转由{target.name}办理",
                      data={"unit_change": kind, "from_unit": unit.code, "to_unit": target.code, "roles": roles}))


def _move_open_work(db: Session, p: Plan, *, actor: User, now: Any) -> None:
    assert p.target is not None
    unit, target = p.unit, p.target
    by_order: dict[int, list[Assignment]] = {}
    for a in p.assignments:
        by_order.setdefault(a.order_id, []).append(a)
    orders = {o.id: o for o in p.other_orders}
    for a in p.assignments:
        orders.setdefault(a.order_id, a.order)
    for oid, order in orders.items():
        held = {a.id: a for a in order.assignments if a.active and a.unit_id == target.id}
        roles: list[str] = []
        for a in by_order.get(oid, []):
            roles.append(a.role)
            already = next((x for x in held.values() if x.id != a.id), None)
            if a.role == "co" and already is not None:  # the target already holds the order: A's co-handling ends
                a.active, a.ended_at, a.end_reason = False, now, "unit_merged"
                continue
            if a.role == "lead" and already is not None and already.role == "co":
                already.active, already.ended_at, already.end_reason = False, now, "unit_merged"
            a.unit = target  # the open assignment itself moves: its clock and its one count in the figures
        if order.lead_unit_id == unit.id:
            order.lead_unit_id = target.id
        if order.subcentre_unit_id == unit.id:
            order.subcentre_unit_id = target.id
        if order.territory_unit_id == unit.id:
            order.territory_unit_id = target.id
        _timeline(db, order, actor=actor, unit=unit, target=target, roles=roles, kind=p.kind, now=now)


def execute(db: Session, p: Plan, *, actor: User) -> dict[str, Any]:
    """Carry out a plan in the caller's transaction; returns the plan's counts (what happened)."""
    now = utcnow()
    unit, target = p.unit, p.target
    counts = p.counts()
    before = snapshot(unit)
    if p.orders == "move" and target is not None:
        _move_open_work(db, p, actor=actor, now=now)
    for person in p.people:
        if p.users == "move" and target is not None:
            people.do_update_user(db, actor=actor, user=person, unit_code=target.code)
        elif p.users == "disable" and person.active:
            people.do_set_active(db, actor=actor, user=person, active=False)
    if target is not None:
        for child in p.children:  # a merged district's streets now belong to the target
            child.parent_id = target.id
    if p.duties and target is not None:
        t_before = snapshot(target)
        added = merge_duties(unit, target)
        counts["keywords"], counts["categories"] = added["keywords"], added["categories"]
        if snapshot(target) != t_before:
            record(db, actor=actor, action="unit.duties_merged", entity="unit", entity_id=target.code,
                   before=t_before, after=snapshot(target), from_unit=unit.code)
    unit.active = False
    db.flush()
    record(db, actor=actor, action=f"unit.{p.kind}", entity="unit", entity_id=unit.code, before=before,
           after=snapshot(unit), **{k: v for k, v in counts.items() if k not in ("unit", "kind")})
    return counts


def do_merge(db: Session, *, actor: User, unit: Unit, target_code: str, orders: str = "move", users: str = "move",
             duties: bool = True) -> dict[str, Any]:
    return execute(db, plan(db, kind="merge", unit=unit, target_code=target_code, orders=orders, users=users,
                            duties=duties), actor=actor)


def do_retire(db: Session, *, actor: User, unit: Unit, target_code: str | None = None, orders: str = "stay",
              users: str = "stay", duties: bool = False) -> dict[str, Any]:
    return execute(db, plan(db, kind="retire", unit=unit, target_code=target_code, orders=orders, users=users,
                            duties=duties), actor=actor)


def forget_routing() -> None:
    """After the commit: routing's per-city duty catalogue re-reads the units (a retired unit is no
    longer suggested; merged keywords point at the target), as after ``routing.flows.do_edit_keywords``."""
    from hotline.routing.service import forget_catalogue

    forget_catalogue()
