"""Writes of supervision (督办): the side data of 催办 / 督办 / 督办回复, accountability records.

The work-order core owns the status-preserving actions ``urge``, ``supervise``
and ``respond_supervision`` (rules, scope, timeline row); this module registers
their only handlers, which keep the ``supervisions`` row and notify the people
who must act.  Every function runs inside the caller's transaction and never
commits.

One open notice per order: a trigger on an order that already has an unanswered
notice raises that notice's level (催办 → 督办 → 挂牌督办: at least one step, or to
the level asked for) and appends to its history, so the unit answers once.
Who is told: the lead unit always; its leaders from 督办 up; the centre's
supervisors only for 挂牌督办 (they follow answers and overdue notices, which
are sent to them, rather than every notice the system raises).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.orders import payloads
from hotline.orders.actions.common import Handled
from hotline.orders.actor import Actor
from hotline.orders.enums import ACTION_ZH, Action
from hotline.orders.flows import do_action
from hotline.orders.lifecycle import RULES, Blocker
from hotline.orders.models import Order, OrderEvent
from hotline.orders.payloads import check_text
from hotline.org.models import AuditLog, Unit, User
from hotline.outbox.models import OutboxMessage
from hotline.supervision.models import (
    LEVEL_RANK,
    LEVELS,
    OUTCOMES,
    Accountability,
    AccountabilityOrder,
    Supervision,
)

text = check_text  # the same rule as every order action's free text


def notify(db: Session, *, topic: str, recipient: str, order: Order | None = None,
           payload: dict[str, Any] | None = None, dedupe_key: str | None = None) -> None:
    """Queue an in-console notice (see hotline/outbox/inbox.py for recipients)."""
    body = dict(payload or {})
    if order is not None:
        body.setdefault("number", order.number)
        body.setdefault("title", order.title)
    db.add(OutboxMessage(topic=topic, channel="inbox", recipient=recipient,
                         order_id=order.id if order else None, payload=body, dedupe_key=dedupe_key))


def respond_by_of(p: dict[str, Any], now: datetime) -> datetime:
    """The answer deadline: a given instant or date (end of that local day), else end of next working day."""
    from hotline.sla.service import bound

    _, cal = bound()
    raw = p.get("respond_by")
    if raw in (None, ""):
        return cal.add_working_days(now, 1).at
    try:
        if isinstance(raw, datetime):
            value = raw
        elif isinstance(raw, date):
            value = cal.end_of_day(raw)
        elif len(str(raw)) == 10:
            value = cal.end_of_day(date.fromisoformat(str(raw)))
        else:
            value = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise BadRequest("bad_respond_by", "回复期限格式不正确（应为日期，如 2026-03-05）",
                         "respond_by must be a date such as 2026-03-05", field="respond_by") from exc
    if value.tzinfo is None:
        raise BadRequest("bad_respond_by", "回复期限须带时区", "respond_by needs a timezone", field="respond_by")
    if value <= now:
        raise BadRequest("respond_by_past", "回复期限须晚于现在", "respond_by must be in the future",
                         field="respond_by")
    return value


UNANSWERED = ("open", "overdue")
RESPONDABLE = RULES[Action.respond_supervision].sources


def open_supervision(db: Session, order: Order) -> Supervision | None:
    """The order's one unanswered notice, if any."""
    return db.scalars(select(Supervision).where(Supervision.order_id == order.id,
                                                Supervision.state.in_(UNANSWERED))
                      .order_by(Supervision.id.desc()).limit(1)).first()


def _entry(*, at: datetime, level: str, by: str, source: str, note: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "level": level, "by": by, "source": source, "note": note}


def _escalate_or_open(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime, level: str,
                      note: str) -> tuple[Supervision, str | None]:
    """Raise the open notice (returns it and its level before) or open a new one (level before: None)."""
    source = "sla" if actor.user is None else "manual"
    respond_by = respond_by_of(p, now)
    sup = open_supervision(db, order)
    if sup is None:
        sup = Supervision(order_id=order.id, unit_id=order.lead_unit_id, level=level, source=source,
                          issued_by_id=actor.user_id, issued_by_label=actor.label, issued_at=now,
                          respond_by=respond_by, note=note, state="open",
                          history=[_entry(at=now, level=level, by=actor.label, source=source, note=note)])
        db.add(sup)
        db.flush()
        return sup, None
    before = sup.level
    top = max(LEVEL_RANK.values())
    rank = max(LEVEL_RANK[level], min(LEVEL_RANK[before] + 1, top))
    sup.level = next(k for k, v in LEVEL_RANK.items() if v == rank)
    history = list(sup.history or [_entry(at=sup.issued_at, level=before, by=sup.issued_by_label,
                                          source=sup.source, note=sup.note)])
    sup.history = [*history, _entry(at=now, level=sup.level, by=actor.label, source=source, note=note)]
    sup.note = note
    sup.respond_by = min(sup.respond_by, respond_by)  # raising the level never buys time
    sup.unit_id = order.lead_unit_id or sup.unit_id
    db.flush()
    return sup, before


def _tell(db: Session, order: Order, sup: Supervision, note: str, before: str | None) -> dict[str, Any]:
    """Notify the people who must act on this level; returns the payload sent."""
    text_ = note if before is None or before == sup.level else f"【由{LEVELS[before]}升级为{LEVELS[sup.level]}】{note}"
    payload: dict[str, Any] = {"note": text_, "level": sup.level, "respond_by": sup.respond_by.isoformat(),
                               "supervision_id": sup.id}
    unit = order.lead_unit
    recipients: list[str] = []
    if unit is not None:
        recipients.append(f"unit:{unit.code}")
        if sup.level != "urge":
            recipients.append(f"leaders:{unit.code}")
    if sup.level == "listed":
        recipients.append("role:supervisor")
    topic = "order.urged" if sup.level == "urge" else "order.supervised"
    step = len(sup.history or [])
    for r in recipients:
        notify(db, topic=topic, recipient=r, order=order, payload=payload,
               dedupe_key=f"supervised:{sup.id}:{step}:{r}")
    return payload


def _data(sup: Supervision, before: str | None, actor: Actor, p: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"supervision_id": sup.id, "level": sup.level, "respond_by": sup.respond_by.isoformat(),
                            "auto": actor.user is None}
    if before is not None:
        data["raised_from"] = before
    if p.get("sla_kind"):
        data["sla_kind"] = p["sla_kind"]
    if p.get("sla_kinds"):
        data["sla_kinds"] = p["sla_kinds"]
    return data


def h_urge(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """催办: notify the lead unit; with a ``respond_by`` it is also a notice to answer.

    On an order whose notice is still unanswered, a 催办 raises that notice instead.
    """
    note = payloads.text(p, Action.urge, "note")
    unit = order.lead_unit
    if p.get("respond_by") or p.get("level") == "urge" or open_supervision(db, order) is not None:
        sup, before = _escalate_or_open(db, order, actor, p, now, "urge", note)
        _tell(db, order, sup, note, before)
        return note, unit, _data(sup, before, actor, p)
    data: dict[str, Any] = {"auto": actor.user is None}
    if p.get("sla_kind"):
        data["sla_kind"] = p["sla_kind"]
    if unit is not None:  # a plain reminder: nothing to answer
        notify(db, topic="order.urged", recipient=f"unit:{unit.code}", order=order, payload={"note": note})
    return note, unit, data


def h_supervise(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """督办 / 挂牌督办: one notice per order, opened or raised; the unit and its leaders are told."""
    note = payloads.text(p, Action.supervise, "note")
    level = p.get("level") or "supervise"
    if level not in ("supervise", "listed"):
        raise BadRequest("bad_level", "督办级别须为督办或挂牌督办", "level must be supervise or listed",
                         field="level")
    sup, before = _escalate_or_open(db, order, actor, p, now, level, note)
    _tell(db, order, sup, note, before)
    return note, order.lead_unit, _data(sup, before, actor, p)


def settle_on_end(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """An order that ends leaves no notice waiting for an answer nobody will give (nor on the board)."""
    for sup in db.scalars(select(Supervision).where(Supervision.order_id == order.id,
                                                    Supervision.state.in_((*UNANSWERED, "answered")))):
        sup.state, sup.closed_at = "closed", now
        sup.history = [*(sup.history or []), _entry(
            at=now, level=sup.level, by=actor.label, source="order",
            note=f"工单已{ACTION_ZH[Action(event.action)]}，{LEVELS[sup.level]}随之办结")]


def supervision_blockers(db: Session, order: Order) -> list[Blocker]:
    """督办回复 only while a notice waits for the unit's answer: without one there is nothing to answer, so the
    console shows no such button (issue #20: the handler's main button was 督办回复 on orders never supervised)."""
    if order.status not in RESPONDABLE:
        return []
    waiting = db.scalar(select(Supervision.id).where(Supervision.order_id == order.id,
                                                    Supervision.state.in_(UNANSWERED)).limit(1))
    if waiting is not None:
        return []
    return [Blocker(frozenset({Action.respond_supervision}), "该工单没有待回复的督办",
                    "this order has no supervision to answer")]


def h_respond(db: Session, order: Order, actor: Actor, p: dict[str, Any], now: datetime) -> Handled:
    """督办回复: the unit answers its oldest open notice (or the one named by ``supervision_id``)."""
    content = payloads.text(p, Action.respond_supervision, "content")
    q = select(Supervision).where(Supervision.order_id == order.id,
                                  Supervision.state.in_(("open", "overdue"))).order_by(Supervision.id)
    if p.get("supervision_id") is not None:
        q = q.where(Supervision.id == int(p["supervision_id"]))
    sup = db.scalars(q.limit(1)).first()
    if sup is None:
        raise Conflict("no_open_supervision", "该工单没有待回复的督办", "this order has no supervision to answer")
    late = now > sup.respond_by or sup.state == "overdue"
    sup.response, sup.responded_by_id, sup.responded_at, sup.state = content, actor.user_id, now, "answered"
    sup.history = [*(sup.history or []), _entry(at=now, level=sup.level, by=actor.label, source="answer",
                                                note=content[:500])]
    recipients = ["role:supervisor"]
    if sup.issued_by is not None:
        recipients.append(f"user:{sup.issued_by.username}")
    for r in recipients:
        notify(db, topic="supervision.answered", recipient=r, order=order,
               payload={"supervision_id": sup.id, "late": late}, dedupe_key=f"answered:{sup.id}:{r}")
    return content, order.lead_unit, {"supervision_id": sup.id, "late": late}


# ---------------------------------------------------------------- supervisor-side writes


def _require_supervisor(actor: Actor) -> None:
    if actor.role not in (Role.supervisor, "system"):
        raise Forbidden("role_not_allowed", "只有督办员可以执行此操作", "only supervisors may do this")


def do_issue(db: Session, *, order: Order, actor: Actor, level: str, note: str,
             respond_by: Any = None, now: datetime) -> Supervision:
    """催办 / 督办 / 挂牌督办 with a respond-by date: one order action, one supervision row."""
    if level not in LEVELS:
        raise BadRequest("bad_level", "级别须为催办、督办或挂牌督办", "level must be urge, supervise or listed",
                         field="level")
    action = Action.urge if level == "urge" else Action.supervise
    ev = do_action(db, order=order, actor=actor, action=action, now=now,
                   payload={"note": note, "level": level, "respond_by": respond_by})
    sup = db.get(Supervision, ev.data["supervision_id"])
    assert sup is not None
    return sup


def do_respond(db: Session, *, sup: Supervision, order: Order, actor: Actor, content: str,
               now: datetime) -> Supervision:
    if sup.state not in ("open", "overdue"):
        raise Conflict("supervision_not_open", "该督办已回复或已办结", "this supervision is already answered or closed")
    do_action(db, order=order, actor=actor, action=Action.respond_supervision, now=now,
              payload={"content": content, "supervision_id": sup.id})
    return sup


def do_close(db: Session, *, sup: Supervision, order: Order, actor: Actor, note: str | None,
             now: datetime) -> Supervision:
    """The supervisor accepts the answer (or drops the notice): recorded on the timeline as a comment."""
    _require_supervisor(actor)
    if sup.state == "closed":
        raise Conflict("supervision_closed", "该督办已办结", "this supervision is already closed")
    label = LEVELS[sup.level]
    do_action(db, order=order, actor=actor, action=Action.comment, now=now,
              payload={"note": f"{label}办结：{(note or '').strip() or '同意回复'}"})
    sup.state, sup.closed_at = "closed", now
    return sup


def do_flag_overdue(db: Session, *, sup_id: int, now: datetime) -> bool:
    """The sweep marks an unanswered notice overdue: once, whatever the number of workers."""
    res = db.execute(update(Supervision).where(Supervision.id == sup_id, Supervision.state == "open",
                                               Supervision.respond_by < now).values(state="overdue")
                     .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        return False
    sup = db.get(Supervision, sup_id)
    assert sup is not None
    db.refresh(sup)
    order = db.get(Order, sup.order_id)
    db.add(AuditLog(at=now, actor_id=None, actor_label="系统", action="supervision.overdue",
                    entity="supervision", entity_id=str(sup.id),
                    data={"order": order.number if order else None, "respond_by": sup.respond_by.isoformat()}))
    unit = db.get(Unit, sup.unit_id) if sup.unit_id else None
    for r in ([f"unit:{unit.code}", f"leaders:{unit.code}"] if unit else []) + ["role:supervisor"]:
        notify(db, topic="supervision.overdue", recipient=r, order=order,
               payload={"supervision_id": sup.id, "level": sup.level, "respond_by": sup.respond_by.isoformat()},
               dedupe_key=f"sup-overdue:{sup.id}:{r}")
    return True


def do_create_accountability(db: Session, *, actor: Actor, data: dict[str, Any], now: datetime) -> Accountability:
    """问责: a supervisor records a finding against a unit and people, with its outcome; audited."""
    _require_supervisor(actor)
    code = str(data.get("unit") or "").strip()
    unit = db.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None:
        raise BadRequest("unknown_unit", f"未知单位：{code}", f"unknown unit: {code}", field="unit")
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        raise BadRequest("bad_outcome", "请选择问责方式（约谈、通报批评、诫勉等）",
                         "outcome must be one of " + ", ".join(OUTCOMES), field="outcome")
    finding = text(data, "finding", "问责事由", min_len=5)
    people: list[dict[str, Any]] = []
    for raw in data.get("people") or []:
        entry = raw if isinstance(raw, dict) else {"name": str(raw)}
        username = str(entry.get("username") or "").strip()
        if username:
            user = db.scalar(select(User).where(User.username == username))
            if user is None:
                raise BadRequest("unknown_user", f"未知用户：{username}", f"unknown user: {username}",
                                 field="people")
            people.append({"user_id": user.id, "username": user.username, "name": user.name})
        elif str(entry.get("name") or "").strip():
            people.append({"name": str(entry["name"]).strip()[:64]})
    if not people:
        raise BadRequest("people_required", "请填写被问责人员", "name at least one person", field="people")
    numbers = [str(n).strip() for n in data.get("order_numbers") or [] if str(n).strip()]
    orders = []
    for n in dict.fromkeys(numbers):
        o = db.scalar(select(Order).where(Order.number == n))
        if o is None:
            raise NotFound("order_not_found", f"找不到工单：{n}", f"order not found: {n}")
        orders.append(o)
    decided_at = data.get("decided_at") or now
    if isinstance(decided_at, datetime) and decided_at.tzinfo is None:
        raise BadRequest("bad_decided_at", "决定时间须带时区", "decided_at needs a timezone", field="decided_at")
    rec = Accountability(unit_id=unit.id, people=people, finding=finding, outcome=outcome,
                         note=(data.get("note") or None), decided_by_id=actor.user_id, decided_at=decided_at,
                         created_at=now,
                         order_links=[AccountabilityOrder(order_id=o.id, order_number=o.number) for o in orders])
    db.add(rec)
    db.flush()
    db.add(AuditLog(at=now, actor_id=actor.user_id, actor_label=actor.label, action="accountability.create",
                    entity="accountability", entity_id=str(rec.id),
                    data={"unit": unit.code, "outcome": outcome, "people": people,
                          "orders": [o.number for o in orders]}))
    notify(db, topic="accountability.decided", recipient=f"leaders:{unit.code}",
           payload={"accountability_id": rec.id, "outcome": outcome, "finding": finding[:200]},
           dedupe_key=f"accountability:{rec.id}")
    return rec


def flag_overdue_supervisions(db: Session, *, now: datetime, limit: int, stats: Any) -> None:
    """A sweep step: open supervisions past their response time are flagged, once each."""
    after = 0
    while True:
        ids = list(db.scalars(select(Supervision.id).where(
            Supervision.state == "open", Supervision.respond_by < now, Supervision.id > after)
            .order_by(Supervision.id).limit(limit)))
        if not ids:
            return
        for sid in ids:
            if do_flag_overdue(db, sup_id=sid, now=now):
                stats.supervisions_overdue += 1
        db.commit()
        after = ids[-1]
