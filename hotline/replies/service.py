"""Reads for reply quality: an order's latest reply and its score, flags scoped to the viewer, counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import Forbidden, NotFound
from hotline.orders.models import Order, Reply
from hotline.org.models import User
from hotline.org.scoping import is_centre, my_units
from hotline.replies import quality
from hotline.replies.models import ReplyFlag, ReplyScore

STATE_ZH = {"open": "待单位说明", "answered": "待督办员裁定", "upheld": "维持标记", "cleared": "撤销标记"}
COUNTED = ("open", "answered", "upheld")  # a cleared flag counts nowhere


def latest_reply(db: Session, order: Order) -> Reply | None:
    """The lead unit's last 答复 (co-unit opinions and first-contact answers are not reviewed here)."""
    return db.scalar(select(Reply).where(Reply.order_id == order.id, Reply.kind == "reply")
                     .order_by(Reply.created_at.desc(), Reply.id.desc()).limit(1))


def score_of(db: Session, reply: Reply) -> ReplyScore | None:
    return db.scalar(select(ReplyScore).where(ReplyScore.reply_id == reply.id))


def flag_of(db: Session, reply_id: int) -> ReplyFlag | None:
    return db.scalar(select(ReplyFlag).where(ReplyFlag.reply_id == reply_id))


def score_reply(order: Order, reply_text: str) -> quality.Score:
    """The one code path: the platform, the hint and the CLI all score with the demand's title and text."""
    return quality.score(reply=reply_text, message=order.content or "", subject=order.title or "")


def can_see_all(user: User) -> bool:
    return is_centre(user) and user.role in (Role.supervisor, Role.dispatcher, Role.admin, Role.leader)


def list_flags(db: Session, *, user: User, state: str | None = None, limit: int = 200) -> list[ReplyFlag]:
    """The centre's supervisors and dispatchers see every flag; a unit sees its own (a leader: its subtree's)."""
    stmt = select(ReplyFlag).order_by(ReplyFlag.raised_at.desc(), ReplyFlag.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(ReplyFlag.state == state)
    if not can_see_all(user):
        units = my_units(db, user)
        if not units:
            raise Forbidden("role_not_allowed", "您的角色无权查看敷衍答复标记", "your role may not see reply flags")
        stmt = stmt.where(ReplyFlag.unit_id.in_(units))
    return list(db.scalars(stmt))


def get_flag(db: Session, *, flag_id: int, user: User) -> ReplyFlag:
    flag = db.get(ReplyFlag, flag_id)
    if flag is None or (not can_see_all(user) and flag.unit_id not in my_units(db, user)):
        raise NotFound("flag_not_found", "找不到该标记", "flag not found")
    return flag


def flag_counts(db: Session, *, unit_ids: list[int] | None = None) -> dict[int, int]:
    """Counted flags per unit: open, answered and upheld ones; cleared flags are left out."""
    stmt = select(ReplyFlag.unit_id, func.count()).where(ReplyFlag.state.in_(COUNTED)).group_by(ReplyFlag.unit_id)
    if unit_ids is not None:
        stmt = stmt.where(ReplyFlag.unit_id.in_(unit_ids))
    return {u: n for u, n in db.execute(stmt)}


def present_flag(flag: ReplyFlag) -> dict[str, Any]:
    return {
        "id": flag.id, "state": flag.state, "state_label": STATE_ZH[flag.state], "order_number": flag.order.number,
        "order_title": flag.order.title, "unit": {"code": flag.unit.code, "name": flag.unit.name},
        "reply": flag.reply.content, "reasons": flag.reasons or [], "raised_at": flag.raised_at,
        "override_reason": flag.override_reason, "explanation": flag.explanation,
        "attachment_ids": flag.attachment_ids or [], "answered_at": flag.answered_at,
        "decided_at": flag.decided_at, "decision_note": flag.decision_note,
    }
