"""Reading orders: lookups, filtered lists, queues, and presenting an order to a viewer.

Every read goes through ``visible_filter`` so that scoping cannot be forgotten,
and every order shown goes through ``present`` so that masking cannot be either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, event, exists, func, inspect, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import NotFound
from hotline.orders import lifecycle
from hotline.orders.enums import (
    AWAITING_SIGN,
    CLOCKED,
    CO_IN_HAND,
    LEAD_IN_HAND,
    OPEN,
    STATUS_EN,
    STATUS_ZH,
    Action,
    Status,
)
from hotline.orders.models import Assignment, Attachment, Order, OrderEvent, OrderRequest, Reply
from hotline.orders.scoping import citizen_view, visible_filter
from hotline.org.models import Unit, User
from hotline.org.scoping import is_centre, subtree_ids
from hotline.org.units import NameBook
from hotline.org.units import names as unit_names


def get_order(db: Session, *, number: str, user: User) -> Order:
    """The order if this user may see it; otherwise 404 (we do not reveal that it exists)."""
    order = db.scalar(select(Order).where(Order.number == number, visible_filter(db, user))
                      .options(selectinload(Order.assignments)))
    if order is None:
        raise NotFound("order_not_found", f"找不到工单：{number}", f"order not found: {number}")
    return order


def traffic_light(order: Order, now: datetime | None = None) -> str | None:
    """green / yellow / red for orders whose clock is running; None otherwise."""
    if Status(order.status) not in CLOCKED or order.due_at is None or order.clock_started_at is None:
        return None
    from hotline.sla.policy import light
    from hotline.sla.service import bound

    cfg, _ = bound()
    return light(now or utcnow(), order.clock_started_at, order.due_at, cfg.due_soon_ratio)


@dataclass
class OrderFilter:
    status: list[str] = field(default_factory=list)
    kind: str | None = None
    category: str | None = None
    unit: str | None = None
    territory: str | None = None  # the territory's code: that area and the areas under it
    channel: str | None = None
    urgency: str | None = None
    requester_type: str | None = None  # citizen | enterprise (涉企诉求)
    q: str | None = None
    overdue: bool | None = None
    open_only: bool = False
    created_from: datetime | None = None
    created_to: datetime | None = None
    phone: str | None = None
    numbers: list[str] = field(default_factory=list)  # exactly these orders (a bulk selection's export)
    # the deadline light (red/yellow/green) is a ratio, not a column: not in ``_apply``; the queue and the
    # inbox keep it over their loaded sections (console.queue_pages.list_sections)
    light: str | None = None


LIGHT_RANK = {"red": 0, "yellow": 1, "green": 2, None: 3}  # sort by deadline light: overdue first


def _apply(db: Session, stmt: Select[Any], f: OrderFilter, user: User) -> Select[Any]:
    stmt = stmt.where(visible_filter(db, user))
    if f.status:
        stmt = stmt.where(Order.status.in_(f.status))
    if f.numbers:
        stmt = stmt.where(Order.number.in_(f.numbers[:500]))
    if f.open_only:
        stmt = stmt.where(Order.status.in_(OPEN))
    if f.kind:
        stmt = stmt.where(Order.kind == f.kind)
    if f.category:
        stmt = stmt.where(Order.category_code.startswith(f.category))
    if f.channel:
        stmt = stmt.where(Order.channel == f.channel)
    if f.urgency:
        stmt = stmt.where(Order.urgency == f.urgency)
    if f.requester_type:
        stmt = stmt.where(Order.requester_type == f.requester_type)
    if f.unit:
        unit = db.scalar(select(Unit).where(Unit.code == f.unit))
        ids = subtree_ids(db, unit.id) if unit else [-1]
        stmt = stmt.where(Order.lead_unit_id.in_(ids))
    if f.territory:
        area = db.scalar(select(Unit).where(Unit.code == f.territory))
        stmt = stmt.where(Order.territory_unit_id.in_(subtree_ids(db, area.id) if area else [-1]))
    if f.overdue:
        stmt = stmt.where(Order.due_at < utcnow(), Order.status.in_(CLOCKED))
    if f.created_from:
        stmt = stmt.where(Order.created_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(Order.created_at < f.created_to)
    if f.phone and is_centre(user):
        stmt = stmt.where(Order.citizen_phone == f.phone)
    if f.q:
        stmt = stmt.where(_text_match(f.q, user))
    return stmt


def _text_match(q: str, user: User) -> Any:
    """Every word of the query must appear in the number, title, content or address."""
    from hotline.search import terms

    clauses = []
    for term in terms(q)[:8]:
        like = f"%{term}%"
        cols = [Order.number.ilike(like), Order.title.ilike(like), Order.content.ilike(like),
                Order.address.ilike(like)]
        if is_centre(user):
            cols.append(Order.citizen_phone.like(like))
        clauses.append(or_(*cols))
    return and_(*clauses) if clauses else True


def list_orders(db: Session, *, user: User, f: OrderFilter, page: int = 1, size: int = 50,
                sort: str = "") -> tuple[int, list[Order]]:
    """One page of the orders this user sees; ``sort="light"``: red, yellow, green, unclocked, each by deadline."""
    size = max(1, min(size, 200))
    page = max(1, page)
    total = db.scalar(_apply(db, select(func.count(Order.id)), f, user)) or 0
    if sort == "light":
        return total, _by_light(db, user=user, f=f, page=page, size=size)
    rows = db.scalars(_apply(db, select(Order), f, user).order_by(Order.created_at.desc(), Order.id.desc())
                      .offset((page - 1) * size).limit(size).options(selectinload(Order.assignments)))
    return total, list(rows)


def filtered(db: Session, stmt: Select[Any], f: OrderFilter, user: User) -> Select[Any]:
    """``stmt`` narrowed to what this user sees and the filter keeps (the export's keyset reads)."""
    return _apply(db, stmt, f, user)


def count_orders(db: Session, *, user: User, f: OrderFilter) -> int:
    return db.scalar(_apply(db, select(func.count(Order.id)), f, user)) or 0


def matching_ids(db: Session, *, user: User, f: OrderFilter, ids: set[int]) -> set[int]:
    """Which of these orders the filter keeps (the queue's and the inbox's filter over their sections)."""
    if not ids:
        return set()
    return set(db.scalars(_apply(db, select(Order.id).where(Order.id.in_(ids)), f, user)))


def sort_by_light(orders: list[Order], now: datetime | None = None) -> list[Order]:
    """The deadline light is a ratio of the time limit (``sla.policy.light``), not a column: sort in Python."""
    now = now or utcnow()
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(orders, key=lambda o: (LIGHT_RANK[traffic_light(o, now)], o.due_at or far, o.id))


def _by_light(db: Session, *, user: User, f: OrderFilter, page: int, size: int) -> list[Order]:
    # the light needs only four columns: rank every matching order on them, then load one page
    cols = select(Order.id, Order.status, Order.due_at, Order.clock_started_at)
    now = utcnow()
    far = datetime.max.replace(tzinfo=now.tzinfo)

    def rank(r: Any) -> tuple[int, datetime, int]:
        return (LIGHT_RANK[traffic_light(r, now)], r.due_at or far, r.id)  # a row has the three fields it reads

    ranked = sorted(db.execute(_apply(db, cols, f, user).limit(20_000)).all(), key=rank)
    ids = [r.id for r in ranked[(page - 1) * size: page * size]]
    by_id = {o.id: o for o in db.scalars(select(Order).where(Order.id.in_(ids)).options(selectinload(Order.assignments)))}
    return [by_id[i] for i in ids if i in by_id]


def dispatcher_queue(db: Session, *, user: User) -> dict[str, list[Order]]:
    """The dispatcher's work: new orders, approved-return candidates, extension requests."""
    vis = visible_filter(db, user)
    new_status = [Status.received.value] if is_centre(user) else [Status.at_subcentre.value]
    if not is_centre(user):
        vis = and_(vis, Order.subcentre_unit_id == user.unit_id)

    def q(*conds: Any) -> list[int]:
        return list(db.scalars(select(Order.id).where(vis, *conds).order_by(Order.created_at).limit(200)))

    return _load_sections(db, {
        "new": q(Order.status.in_(new_status)),
        "returns": q(Order.status == Status.return_requested.value),
        "extensions": q(Order.pending_extension.is_(True)),
        "replies": q(Order.status == Status.replied.value),
        "transfers": q(Order.status == Status.transfer_pending.value) if is_centre(user) else [],  # 转办待接收
    })


def _load_sections(db: Session, ids: dict[str, list[int]]) -> dict[str, list[Order]]:
    """The orders of every section, loaded once with their list-row relations (``ROW_LOADS``), each section
    in its own order.  A section's query reads ids only: the sections' orders then cost one query and one
    per relation, not three queries per section (issue #20 item 7: the queue read 15 statements for its 5)."""
    wanted = {i for section in ids.values() for i in section}
    by_id: dict[int, Order] = {}
    if wanted:
        by_id = {o.id: o for o in db.scalars(select(Order).where(Order.id.in_(wanted)).options(*ROW_LOADS)
                                             .execution_options(populate_existing=True))}
    return {key: [by_id[i] for i in section if i in by_id] for key, section in ids.items()}


def unit_inbox(db: Session, *, user: User) -> dict[str, list[Order]]:
    """A unit's work: to sign, in progress (lead), co-handling."""
    units = subtree_ids(db, user.unit_id) if user.role == Role.unit_leader else [user.unit_id]

    def q(role: str, statuses: frozenset[Status]) -> list[int]:
        return list(db.scalars(
            select(Order.id).where(
                Order.status.in_(statuses),
                exists().where(Assignment.order_id == Order.id, Assignment.unit_id.in_(units),
                               Assignment.active.is_(True), Assignment.role == role))
            .order_by(Order.due_at.is_(None), Order.due_at).limit(300)))

    return _load_sections(db, {
        "to_sign": q("lead", AWAITING_SIGN),
        "in_progress": q("lead", LEAD_IN_HAND),
        "co_handling": q("co", CO_IN_HAND),
        "replied": q("lead", frozenset({Status.replied})),
    })


def _unit_ref(u: Unit | None, book: NameBook | None = None, at: datetime | None = None) -> dict[str, str] | None:
    """A unit as the order shows it: by the name valid at ``at`` when a name book is given (a renamed
    unit keeps its old name on old orders, ``org.units``), with ``current_name`` when that differs."""
    if u is None:
        return None
    name = book.name(u, at) if book is not None else u.name
    return {"code": u.code, "name": name or u.name, "type": u.type,
            **({"current_name": u.name} if name != u.name else {})}


def category_paths(db: Session) -> dict[str, str]:
    """Every category's path by code, read once per transaction (a list names the category of each row)."""
    from hotline.org.memo import category_rows, memo

    return memo(db, ("category_paths",), lambda: {c.code: c.path for c in category_rows(db)})


def category_path(db: Session, code: str | None) -> str | None:
    if not code:
        return None
    return category_paths(db).get(code, code)


def category_path_of_one(db: Session, code: str | None) -> str | None:
    """``category_path`` for a page that names one category: its own row, not the whole table (the 201 of
    an intake read every category for one path, issue #15); the transaction's table when already read."""
    from hotline.org.memo import INFO_KEY
    from hotline.org.models import Category

    if not code:
        return None
    if db.info.get(INFO_KEY):
        return category_path(db, code)
    path = db.scalar(select(Category.path).where(Category.code == code))
    return code if path is None else path


def actions_for(db: Session, order: Order, user: User) -> list[str]:
    """What the console offers this user on this order: state machine ∩ scope."""
    from hotline.errors import Forbidden
    from hotline.orders.actor import Actor
    from hotline.orders.flows import blockers_for
    from hotline.orders.scoping import check_scope as _check_scope

    actor = Actor.of(user)
    out = []
    for action in lifecycle.allowed_actions(order, user.role, blockers_for(db, order)):
        try:
            _check_scope(db, order, actor, action)
        except Forbidden:  # a scope refusal simply hides the button
            continue
        out.append(action.value)
    return out


def present(db: Session, order: Order, user: User, *, lang: str = "zh", one: bool = False) -> dict[str, Any]:
    """An order as the API shows it; ``one``: the only order of the page (reads its category alone)."""
    labels = STATUS_EN if lang == "en" else STATUS_ZH
    parent = db.get(Order, order.parent_id) if order.parent_id else None
    book = unit_names(db)
    dispatched = order.dispatched_at or order.created_at
    return {
        "number": order.number, "status": order.status, "status_label": labels[Status(order.status)],
        "channel": order.channel, "kind": order.kind, "category_code": order.category_code,
        "category_path": (category_path_of_one if one else category_path)(db, order.category_code),
        "title": order.title,
        "content": order.content, **citizen_view(user, order), "anonymous": order.anonymous,
        "confidential": order.confidential, "address": order.address, "latitude": order.latitude,
        "longitude": order.longitude, "territory": _unit_ref(order.territory_unit, book, order.created_at), "urgency": order.urgency,
        "requester_type": order.requester_type, "enterprise_uscc": order.enterprise_uscc,
        "lead_unit": _unit_ref(order.lead_unit, book, dispatched),
        "co_units": [_unit_ref(a.unit, book, a.assigned_at) for a in order.assignments if a.active and a.role == "co"],
        "parent_number": parent.number if parent else None, "created_at": order.created_at,
        "first_dispatched_at": order.first_dispatched_at, "dispatched_at": order.dispatched_at,
        "signed_at": order.signed_at, "replied_at": order.replied_at, "completed_at": order.completed_at,
        "closed_at": order.closed_at, "sign_due_at": order.sign_due_at, "reply_due_at": order.reply_due_at,
        "due_at": order.due_at, "deadline_uncertain": order.deadline_uncertain, "light": traffic_light(order),
        "return_count": order.return_count, "redispatch_count": order.redispatch_count,
        "reopen_count": order.reopen_count, "extension_count": order.extension_count,
        "pending_extension": order.pending_extension, "first_contact_resolved": order.first_contact_resolved,
        "version": order.version, "allowed_actions": actions_for(db, order, user),
    }


def present_detail(db: Session, order: Order, user: User, *, lang: str = "zh", one: bool = True) -> dict[str, Any]:
    """``one=False``: the caller reads the whole category table anyway (the console's order page, for its
    pickers), so the order's path comes from that read, not from one more."""
    from hotline.orders.enums import ACTION_ZH

    out = present(db, order, user, lang=lang, one=one)
    book = unit_names(db)  # each row names its unit as it was called then
    out["assignments"] = [{
        "unit": _unit_ref(a.unit, book, a.assigned_at), "role": a.role, "active": a.active, "assigned_at": a.assigned_at,
        "signed_at": a.signed_at, "replied_at": a.replied_at, "end_reason": a.end_reason,
    } for a in order.assignments]
    out["events"] = [{
        "at": e.at, "actor": e.actor_label, "role": e.actor_role, "action": e.action,
        "action_label": ACTION_ZH[Action(e.action)] if lang != "en" else e.action.replace("_", " "),
        "from_status": e.from_status, "to_status": e.to_status,
        "unit": book.name(e.unit, e.at), "note": e.note, "data": e.data or {},
    } for e in order.events]
    out["replies"] = [{
        "kind": r.kind, "unit": book.name(r.unit, r.created_at), "author": r.author.name if r.author else None,
        "content": r.content, "created_at": r.created_at,
    } for r in order.replies]
    out["attachments"] = [{
        "id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
        "created_at": a.created_at,
    } for a in order.attachments]
    out["requests"] = [{
        "kind": r.kind, "unit": book.name(r.unit, r.requested_at), "reason": r.reason, "extra_days": r.extra_days, "state": r.state,
        "requested_at": r.requested_at, "decided_at": r.decided_at, "decision_note": r.decision_note,
    } for r in order.requests]
    return out


_NEW_ROWS = "hotline.new_order_rows"  # db.info key: the order side rows this request wrote


@contextmanager
def holding_new_rows(db: Session) -> Iterator[None]:
    """Keep the order side rows (events, replies, attachments, requests) that become persistent in
    ``db`` while the block runs, so that ``present_new`` can show a new order without reading them
    back (issue #15: the response from what the request holds)."""
    rows: list[Any] = []

    def keep(_s: Session, obj: Any) -> None:
        if isinstance(obj, _SIDE_CLASSES):
            rows.append(obj)

    db.info[_NEW_ROWS] = rows
    event.listen(db, "pending_to_persistent", keep)
    try:
        yield
    finally:
        event.remove(db, "pending_to_persistent", keep)


def present_new(db: Session, order: Order, user: User, *, lang: str = "zh") -> dict[str, Any]:
    """``present_detail`` of an order created in this request (inside ``holding_new_rows``).

    A new order's timeline, replies, attachments and requests can only be the rows this request
    wrote: they are taken from what the session kept instead of four SELECTs.  Outside
    ``holding_new_rows`` (nothing kept) this is ``present_detail``."""
    db.flush()
    rows = db.info.pop(_NEW_ROWS, None)
    if rows is not None:
        unloaded = inspect(order).unloaded
        for rel, cls in _SIDE_RELATIONS:
            if rel in unloaded:
                mine = [r for r in rows if isinstance(r, cls) and r.order_id == order.id
                        and r.city_id == order.city_id and r in db]
                set_committed_value(order, rel, sorted(mine, key=lambda r: r.id))
    return present_detail(db, order, user, lang=lang)


def pending_requests(db: Session, order: Order) -> list[OrderRequest]:
    """The order's pending 退单/延期 requests; from ``order.requests`` when the list loaded them with the order."""
    if "requests" not in inspect(order).unloaded:
        return [r for r in order.requests if r.state == "pending"]
    return list(db.scalars(select(OrderRequest).where(OrderRequest.order_id == order.id,
                                                      OrderRequest.state == "pending")))


# What a queue or inbox row shows besides the order: its assignments and its requests (``pending_requests``),
# loaded for all the rows in one query each instead of one per row.  The queue and inbox queries also
# ``populate_existing``, so an order this session loaded before gets its requests as they are now.
ROW_LOADS = (selectinload(Order.assignments), selectinload(Order.requests))


_SIDE_RELATIONS: tuple[tuple[str, type], ...] = (
    ("events", OrderEvent), ("replies", Reply), ("attachments", Attachment), ("requests", OrderRequest))
_SIDE_CLASSES = tuple(cls for _rel, cls in _SIDE_RELATIONS)
