"""A leader's corrections of hot matters: mark handled, merge two, split orders out — each in the caller's
transaction with a history row (``HotMatterEvent``, naming the actor) and an audit row; merges and
splits are also kept as order pairs (``HotMatterLink``) that every later re-grouping honours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from hotline.errors import BadRequest, Conflict
from hotline.hotspots.models import HotMatter, HotMatterEvent, HotMatterLink, HotMatterOrder
from hotline.hotspots.service import EDIT_ROLES, check_role, member_ids
from hotline.org import audit
from hotline.org.models import User


def _event(db: Session, m: HotMatter, kind: str, user: User, now: datetime, **data: object) -> None:
    db.add(HotMatterEvent(hot_matter_id=m.id, kind=kind, at=now, actor_id=user.id,
                          actor_label=f"{user.name}({user.username})"[:128], data=data))


def _unlink(db: Session, a: set[int], b: set[int], kind: str) -> None:
    """Drop the corrections of ``kind`` between the two sets (a newer correction replaces an older one)."""
    if a and b:
        db.execute(delete(HotMatterLink).where(HotMatterLink.kind == kind, or_(
            and_(HotMatterLink.order_a_id.in_(a), HotMatterLink.order_b_id.in_(b)),
            and_(HotMatterLink.order_a_id.in_(b), HotMatterLink.order_b_id.in_(a)))))


def _must(db: Session, ids: list[int], user: User, now: datetime) -> None:
    """These orders are one matter: a chain from the first to each other one."""
    anchor, *rest = sorted(ids)
    _unlink(db, set(ids), set(ids), "cannot")
    have = {(x.order_a_id, x.order_b_id) for x in db.scalars(select(HotMatterLink).where(
        HotMatterLink.kind == "must", HotMatterLink.order_a_id == anchor, HotMatterLink.order_b_id.in_(rest)))}
    db.add_all(HotMatterLink(kind="must", order_a_id=anchor, order_b_id=o, created_by_id=user.id, created_at=now)
               for o in rest if (anchor, o) not in have)


def _live(m: HotMatter) -> None:
    if not m.active:
        raise Conflict("hot_matter_inactive", "该热点已合并或已失效，请刷新页面",
                       "this hot matter was merged or has dissolved; reload the page")


def do_mark_handled(db: Session, *, user: User, matter: HotMatter, note: str, now: datetime) -> HotMatter:
    check_role(user, EDIT_ROLES)
    _live(matter)
    note = note.strip()
    if not 2 <= len(note) <= 2000 or "\x00" in note:
        raise BadRequest("hot_matter_note", "请填写处理说明（2至2000字）", "write a note of 2 to 2,000 characters",
                         field="note")
    if matter.state == "handled":
        raise Conflict("hot_matter_handled", "该热点已标记为已处理", "this hot matter is already marked handled")
    matter.state, matter.handled_by_id, matter.handled_at, matter.handled_note = "handled", user.id, now, note
    _event(db, matter, "handled", user, now, note=note)
    audit.record(db, actor=user, action="hot_matter.handled", entity="hot_matter", entity_id=matter.id, note=note)
    return matter


def do_merge(db: Session, *, user: User, matter: HotMatter, other: HotMatter, now: datetime) -> HotMatter:
    """``other`` goes into ``matter``: its orders, and a must-link so the next grouping keeps them together."""
    check_role(user, EDIT_ROLES)
    _live(matter)
    _live(other)
    if other.id == matter.id:
        raise BadRequest("hot_matter_merge_self", "不能与自身合并", "a hot matter cannot be merged with itself",
                         field="other_id")
    if matter.kind != "place" or other.kind != "place":
        raise BadRequest("hot_matter_merge_kind", "共性问题按类别和诉求词识别，不能合并",
                         "systemic problems are found by category and demand words and cannot be merged",
                         field="other_id")
    mine, theirs = member_ids(db, matter.id), member_ids(db, other.id)
    db.execute(delete(HotMatterOrder).where(HotMatterOrder.hot_matter_id == other.id))
    db.add_all(HotMatterOrder(hot_matter_id=matter.id, order_id=o) for o in sorted(theirs - mine))
    _must(db, sorted(mine | theirs), user, now)
    matter.size = len(mine | theirs)
    matter.volume += other.volume
    matter.heat = max(matter.heat, other.heat)
    for t in (other.first_at, other.last_at):
        if t is not None:
            matter.first_at = min(matter.first_at or t, t)
            matter.last_at = max(matter.last_at or t, t)
    other.active, other.merged_into_id = False, matter.id
    _event(db, matter, "merged", user, now, absorbed=other.id, name=other.name, orders=len(theirs))
    _event(db, other, "merged", user, now, into=matter.id, name=matter.name)
    audit.record(db, actor=user, action="hot_matter.merge", entity="hot_matter", entity_id=matter.id,
                 absorbed=other.id)
    return matter


def do_split(db: Session, *, user: User, matter: HotMatter, order_ids: list[int], now: datetime) -> HotMatter | None:
    """Take orders out of ``matter``: cannot-links to the rest; two or more taken out become a new matter."""
    check_role(user, EDIT_ROLES)
    _live(matter)
    if matter.kind != "place":
        raise BadRequest("hot_matter_split_kind", "共性问题不能拆分", "systemic problems cannot be split",
                         field="orders")
    members = member_ids(db, matter.id)
    out = set(order_ids)
    if not out or not out <= members:
        raise BadRequest("hot_matter_split_orders", "请选择属于该热点的工单", "choose orders of this hot matter",
                         field="orders")
    rest = members - out
    if len(rest) < 1:
        raise BadRequest("hot_matter_split_all", "至少保留一件工单在原热点中", "keep at least one order in the hot matter",
                         field="orders")
    _unlink(db, out, rest, "must")
    db.add_all(HotMatterLink(kind="cannot", order_a_id=a, order_b_id=b, created_by_id=user.id, created_at=now)
               for a in sorted(out) for b in sorted(rest))
    db.execute(delete(HotMatterOrder).where(HotMatterOrder.hot_matter_id == matter.id,
                                            HotMatterOrder.order_id.in_(out)))
    matter.size = len(rest)
    new: HotMatter | None = None
    if len(out) >= 2:
        _must(db, sorted(out), user, now)
        new = HotMatter(kind="place", name=matter.name, place=matter.place, size=len(out), volume=len(out),
                        heat=0.0, created_at=now, refreshed_at=now, units=[], places=[],
                        first_at=matter.first_at, last_at=matter.last_at)
        db.add(new)
        db.flush()
        db.add_all(HotMatterOrder(hot_matter_id=new.id, order_id=o) for o in sorted(out))
        _event(db, new, "split", user, now, source=matter.id, orders=len(out))
    _event(db, matter, "split", user, now, orders=len(out), into=new.id if new else None)
    audit.record(db, actor=user, action="hot_matter.split", entity="hot_matter", entity_id=matter.id,
                 orders=sorted(out), into=new.id if new else None)
    return new
