"""Reads for reply quality: an order's latest reply and its score, flags scoped to the viewer, counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hotline.city.schema import Role
from hotline.errors import Forbidden, NotFound
from hotline.orders.models import Order, Reply
from hotline.org.models import User
from hotline.org.scoping import is_centre_in, sees_unit_record, unit_records
from hotline.replies import quality
from hotline.replies.models import ReplyFlag, ReplyScore

STATE_ZH = {"open": "待单位说明", "answered": "待督办员裁定", "upheld": "维持标记", "cleared": "撤销标记"}
KIND_ZH = {"perfunctory": "敷衍答复标记", "suspected_fake": "疑似虚假办结"}
TRIGGER_ZH = {"callback": "回访称未解决", "repeat_call": "同一来电人再次来电"}
COUNTED = ("open", "answered", "upheld")  # a cleared flag counts nowhere
_SOLVED_WORDS = ("已解决", "已办结", "已处理", "已完成", "已整改", "已修复", "已清理", "处理完毕", "已恢复")


def latest_reply(db: Session, order: Order) -> Reply | None:
    """The lead unit's last 答复 (co-unit opinions and first-contact answers are not reviewed here)."""
    return db.scalar(select(Reply).where(Reply.order_id == order.id, Reply.kind == "reply")
                     .order_by(Reply.created_at.desc(), Reply.id.desc()).limit(1))


def score_of(db: Session, reply: Reply) -> ReplyScore | None:
    return db.scalar(select(ReplyScore).where(ReplyScore.reply_id == reply.id))


def flag_of(db: Session, reply_id: int) -> ReplyFlag | None:
    """The perfunctory-reply flag of a reply (fake cases have no ``reply_id``)."""
    return db.scalar(select(ReplyFlag).where(ReplyFlag.reply_id == reply_id))


def fake_case_of(db: Session, claim_reply_id: int) -> ReplyFlag | None:
    return db.scalar(select(ReplyFlag).where(ReplyFlag.kind == "suspected_fake",
                                             ReplyFlag.claim_reply_id == claim_reply_id).limit(1))


def claims_solved(reply_text: str) -> bool:
    """The unit said it was solved: the reply reports a completed action (the scorer's ``action_done``) or says
    so in words (已解决, 已处理 …).  A reply that only explains why nothing can be done claims nothing."""
    text = reply_text or ""
    if any(w in text for w in _SOLVED_WORDS):
        return True
    return "action_done" in quality.analyse(reply=text).evidence


def score_reply(order: Order, reply_text: str) -> quality.Score:
    """The one code path: the platform, the hint and the CLI all score with the demand's title and text."""
    return quality.score(reply=reply_text, message=order.content or "", subject=order.title or "")


def can_see_all(user: User) -> bool:
    """The centre's supervisors, dispatchers, admins and leaders see every unit's flags and rates."""
    return is_centre_in(user, Role.supervisor, Role.dispatcher, Role.admin, Role.leader)


def require_rates_viewer(user: User) -> None:
    """Every unit's suspected-fake rate (the page and the API alike) is for those who see every flag."""
    if not can_see_all(user):
        raise Forbidden("role_not_allowed", "只有热线中心可以查看各单位的疑似虚假办结率",
                        "only the centre sees every unit's rate")


def list_flags(db: Session, *, user: User, state: str | None = None, kind: str | None = None,
               limit: int = 200) -> list[ReplyFlag]:
    """The centre's supervisors and dispatchers see every flag; a unit sees its own (a leader: its subtree's).

    The repeat call's order is loaded for all the flags at once: its join is city-scoped, so the ORM cannot
    take it from the identity map, and loading it flag by flag cost the list one query per flag (issue #20
    item 7: ``/reply-flags`` was one of the two pages left over 150 ms p95)."""
    stmt = (select(ReplyFlag).options(selectinload(ReplyFlag.repeat_order))
            .order_by(ReplyFlag.raised_at.desc(), ReplyFlag.id.desc()).limit(limit))
    if state:
        stmt = stmt.where(ReplyFlag.state == state)
    if kind:
        stmt = stmt.where(ReplyFlag.kind == kind)
    return list(db.scalars(unit_records(db, stmt, ReplyFlag.unit_id, user=user, sees_all=can_see_all(user),
                                        what_zh="敷衍答复标记", what_en="reply flags")))


def get_flag(db: Session, *, flag_id: int, user: User) -> ReplyFlag:
    flag = db.get(ReplyFlag, flag_id)
    if flag is None or not sees_unit_record(db, user, flag.unit_id, sees_all=can_see_all(user)):
        raise NotFound("flag_not_found", "找不到该标记", "flag not found")
    return flag


def flag_counts(db: Session, *, unit_ids: list[int] | None = None, kind: str = "perfunctory") -> dict[int, int]:
    """Counted flags of a kind per unit: open, answered and upheld ones; cleared flags are left out."""
    stmt = (select(ReplyFlag.unit_id, func.count()).where(ReplyFlag.state.in_(COUNTED), ReplyFlag.kind == kind)
            .group_by(ReplyFlag.unit_id))
    if unit_ids is not None:
        stmt = stmt.where(ReplyFlag.unit_id.in_(unit_ids))
    return {u: n for u, n in db.execute(stmt)}


def present_flag(flag: ReplyFlag) -> dict[str, Any]:
    reply = flag.unit_reply
    return {
        "id": flag.id, "kind": flag.kind, "kind_label": KIND_ZH[flag.kind], "state": flag.state,
        "state_label": STATE_ZH[flag.state], "order_number": flag.order.number,
        "order_title": flag.order.title, "unit": {"code": flag.unit.code, "name": flag.unit.name},
        "reply": reply.content if reply is not None else None, "trigger": flag.trigger,
        "trigger_label": TRIGGER_ZH.get(flag.trigger or ""), "citizen_text": flag.citizen_text,
        "recording_note": flag.recording_note,
        "repeat_order_number": flag.repeat_order.number if flag.repeat_order_id is not None else None,
        "reasons": flag.reasons or [], "raised_at": flag.raised_at,
        "override_reason": flag.override_reason, "explanation": flag.explanation,
        "attachment_ids": flag.attachment_ids or [], "answered_at": flag.answered_at,
        "decided_at": flag.decided_at, "decision_note": flag.decision_note,
    }


def fake_rates(db: Session, *, period: Any, as_of: Any) -> list[dict[str, Any]]:
    """Each unit's suspected-fake-completion rate beside its satisfaction rate, with the sample sizes.

    Satisfaction is the KPI's own (``kpi.definitions`` rate ``satisfaction`` over the ``evaluated`` source,
    the city's 基本满意 setting, appeals and designations left out); the fake rate is the unit's counted
    suspected-fake cases raised in the period (open, answered, upheld — a cleared case counts nowhere) over
    the same evaluations.  Units with neither are left out.
    """
    from hotline.city.kpi_settings import kpi_settings
    from hotline.kpi import definitions, formulas, queries
    from hotline.org.models import Unit

    sat_rate = next(r for r in definitions.RATES if r.key == "satisfaction")
    counts = queries.unit_counts(db, period, as_of=as_of)
    cases = {u: n for u, n in db.execute(
        select(ReplyFlag.unit_id, func.count()).where(
            ReplyFlag.kind == "suspected_fake", ReplyFlag.state.in_(COUNTED),
            ReplyFlag.raised_at >= period.start, ReplyFlag.raised_at < period.end).group_by(ReplyFlag.unit_id))}
    cleared = {u: n for u, n in db.execute(
        select(ReplyFlag.unit_id, func.count()).where(
            ReplyFlag.kind == "suspected_fake", ReplyFlag.state == "cleared",
            ReplyFlag.raised_at >= period.start, ReplyFlag.raised_at < period.end).group_by(ReplyFlag.unit_id))}
    basic = kpi_settings().basic_counts_as_satisfied
    rows: list[dict[str, Any]] = []
    for uid in set(cases) | {u for u, c in counts.items() if c.as_dict().get("evaluated")}:
        c = counts[uid].as_dict() if uid in counts else {k: 0 for k in definitions.COUNT_KEYS}
        n = c["evaluated"]
        unit = db.get(Unit, uid)
        if unit is None:
            continue
        rows.append({"unit": {"id": uid, "code": unit.code, "name": unit.name}, "evaluated": n,
                     "satisfaction": formulas.rate_of(sat_rate, c, basic_counts=basic),
                     "fake_cases": cases.get(uid, 0), "cleared": cleared.get(uid, 0),
                     "fake_rate": formulas.ratio(cases.get(uid, 0), n)})
    rows.sort(key=lambda r: (-(r["fake_rate"] or 0), -r["fake_cases"], r["unit"]["code"]))
    return rows
