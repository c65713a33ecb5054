"""Reply-quality writes: score each reply, refuse to complete a perfunctory one without an override,
and the flag's life — the unit explains itself (with evidence), a supervisor upholds or clears it.

Registrations (the lead converts them to ``install(registry)``, issue #11):
- hook on 答复 (plugin.py)     → ``score_on_reply``: score, store, raise a flag when perfunctory;
- guard on 办结 → ``check_complete``: 409 ``perfunctory_reply`` without a
  written override reason (payload ``quality_override_reason``, 5 characters or more);
- hook on 办结  → ``record_review``: score, reasons and override on the event.
Every step of a flag is written to the order's timeline (an OrderEvent, via a 备注 comment).

Suspected fake completions (疑似虚假办结, issue #17 item 3) are flags of kind ``suspected_fake`` raised
when the citizen's word contradicts the unit's "solved": a callback that finds it unsolved
(extension ``callbacks.evaluated`` → ``fake_on_evaluation``) or the same caller calling again about
the same matter within the window (hook on 受理 → ``fake_on_repeat_call``, after duplicates linked it).
Both kinds are answered and decided by the same ``do_answer`` / ``do_decide`` (item 4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.flows import SAT_ZH
from hotline.callbacks.models import CallbackTask, Evaluation
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action, do_attach
from hotline.orders.models import Order, OrderEvent, Reply
from hotline.org.models import AuditLog, Unit
from hotline.org.scoping import is_centre_in, my_units
from hotline.outbox.models import OutboxMessage
from hotline.replies import quality
from hotline.replies.models import ReplyFlag, ReplyScore
from hotline.replies.service import (
    KIND_ZH,
    claims_solved,
    fake_case_of,
    flag_of,
    latest_reply,
    score_of,
    score_reply,
)
from hotline.validation import decision_note

TOPIC = {"perfunctory": "reply_flag", "suspected_fake": "fake_case"}  # {prefix}.answered / {prefix}.decided

OVERRIDE_MIN = 5


def _reasons(s: quality.Score) -> list[dict[str, str]]:
    return [{"code": r.code, "zh": r.zh, "en": r.en} for r in s.reasons]


def do_score(db: Session, *, order: Order, reply: Reply, now: datetime | None = None,
             raise_flag: bool = True) -> ReplyScore:
    """Score one stored reply (idempotent: a reply keeps its first score); a perfunctory one raises a flag."""
    existing = score_of(db, reply)
    if existing is not None:
        return existing
    s = score_reply(order, reply.content)
    row = ReplyScore(reply_id=reply.id, order_id=order.id, quality=s.quality, flag=s.flag, reasons=_reasons(s),
                     version=s.version, scored_at=now or utcnow())
    db.add(row)
    if s.flag and raise_flag:
        db.add(ReplyFlag(order_id=order.id, reply_id=reply.id, unit_id=reply.unit_id, state="open",
                         reasons=row.reasons, raised_at=now or utcnow()))
        db.add(OutboxMessage(topic="reply.flagged", channel="inbox", recipient=f"unit:{reply.unit.code}",
                             order_id=order.id, payload={"number": order.number, "title": order.title,
                                                         "reasons": "；".join(r["zh"] for r in row.reasons)}))
    db.flush()
    return row


def score_on_reply(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    reply = latest_reply(db, order)
    if reply is None:
        return
    # history brought in by an import (no person acting) is scored for the record but flags no one
    row = do_score(db, order=order, reply=reply, now=now, raise_flag=actor.user is not None)
    event.data = {**(event.data or {}), "reply_quality": {"quality": row.quality, "flag": row.flag,
                                                         "reasons": row.reasons, "version": row.version}}


def _current(db: Session, order: Order) -> tuple[Reply | None, ReplyScore | None]:
    reply = latest_reply(db, order)
    if reply is None:
        return None, None
    return reply, score_of(db, reply) or do_score(db, order=order, reply=reply)


def check_complete(db: Session, order: Order, actor: Actor, payload: dict[str, Any], now: datetime) -> None:
    """A reply scored 0 is completed only with the reviewer's written reason for overriding the check.

    Only a person reviewing is checked: an import replaying an order's recorded history (no user) is not.
    """
    if actor.user is None:
        return
    _, row = _current(db, order)
    if row is None or not row.flag:
        return
    override = str(payload.get("quality_override_reason") or "").strip()
    if len(override) < OVERRIDE_MIN:
        reasons = "；".join(r["zh"] for r in row.reasons)
        raise Conflict("perfunctory_reply",
                       f"答复被评为敷衍答复（{reasons}）：请退回重办，或填写不少于{OVERRIDE_MIN}字的理由后办结",
                       f"the reply was scored perfunctory ({'; '.join(r['en'] for r in row.reasons)}): reopen it, "
                       f"or give a reason of at least {OVERRIDE_MIN} characters to complete it anyway",
                       field="quality_override_reason", reasons=row.reasons)
    flag = flag_of(db, row.reply_id)
    if flag is not None:  # stamped in the completion's transaction: refused later, rolled back with it
        flag.override_reason, flag.override_by_id = override, actor.user_id


def record_review(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    reply, row = _current(db, order)
    if row is None or reply is None:
        return
    data: dict[str, Any] = {"quality": row.quality, "flag": row.flag, "reasons": row.reasons, "version": row.version}
    if row.flag:
        flag = flag_of(db, row.reply_id)
        data["override_reason"] = flag.override_reason if flag is not None else None
    event.data = {**(event.data or {}), "reply_quality": data}


def do_answer(db: Session, *, flag: ReplyFlag, actor: Actor, explanation: str,
              files: list[tuple[str, bytes]] | None = None, now: datetime | None = None) -> ReplyFlag:
    """情况说明: the flagged unit's handler or leader explains itself, with evidence if it has some (either kind)."""
    now = now or utcnow()
    user = actor.user
    if user is None or actor.role not in (Role.unit_handler, Role.unit_leader) or flag.unit_id not in my_units(db, user):
        raise Forbidden("not_your_flag", "只有被标记的承办单位可以说明", "only the flagged unit may answer the flag")
    if flag.state != "open":
        raise Conflict("flag_not_open", "该标记已说明或已裁定", "this flag was already answered or decided")
    explanation = (explanation or "").strip()
    if not 10 <= len(explanation) <= 4000:
        raise BadRequest("explanation_required", "请写明情况说明（10至4000字）", "explain in 10 to 4000 characters",
                         field="explanation")
    ids = [do_attach(db, order=flag.order, actor=actor, filename=name, data=data, now=now) for name, data in files or []]
    db.flush()
    flag.state, flag.explanation, flag.attachment_ids = "answered", explanation, [a.id for a in ids]
    flag.answered_by_id, flag.answered_at = actor.user_id, now
    do_action(db, order=flag.order, actor=actor, action=Action.comment,
              payload={"note": f"{KIND_ZH[flag.kind]}情况说明：{explanation}"}, now=now)
    db.add(OutboxMessage(topic=f"{TOPIC[flag.kind]}.answered", channel="inbox", recipient="role:supervisor",
                         order_id=flag.order_id, payload={"number": flag.order.number, "title": flag.order.title,
                                                          "explanation": explanation}))
    return flag


def do_decide(db: Session, *, flag: ReplyFlag, actor: Actor, upheld: bool, note: str,
              now: datetime | None = None) -> ReplyFlag:
    """The centre's supervisor upholds (维持) or clears (撤销) the flag, always with a note."""
    now = now or utcnow()
    if actor.user is None or not is_centre_in(actor.user, Role.supervisor):
        raise Forbidden("role_not_allowed", f"只有中心督办员可以裁定{KIND_ZH[flag.kind]}",
                        "only the centre's supervisors decide flags")
    if flag.state not in ("open", "answered"):
        raise Conflict("already_decided", "该标记已裁定", "this flag has already been decided")
    note = decision_note(note, "请填写裁定意见", "a note for the decision is required")
    flag.state = "upheld" if upheld else "cleared"
    flag.decided_by_id, flag.decided_at, flag.decision_note = actor.user_id, now, note
    verdict = "维持" if upheld else "撤销"
    do_action(db, order=flag.order, actor=actor, action=Action.comment,
              payload={"note": f"{KIND_ZH[flag.kind]}裁定：{verdict}。{note}"}, now=now)
    db.add(OutboxMessage(topic=f"{TOPIC[flag.kind]}.decided", channel="inbox", recipient=f"unit:{flag.unit.code}",
                         order_id=flag.order_id, payload={"number": flag.order.number, "title": flag.order.title,
                                                          "decision": verdict, "note": note}))
    return flag


# ---------------------------------------------------------------- suspected fake completion (疑似虚假办结)


def _raise_fake(db: Session, *, order: Order, trigger: str, citizen_text: str, now: datetime,
                evaluation: Evaluation | None = None, repeat: Order | None = None,
                recording_note: str | None = None, unit_id: int | None = None) -> ReplyFlag | None:
    """One case per disputed reply: the unit's last reply said it was solved, the citizen says it was not."""
    claim = latest_reply(db, order)
    if claim is None or not claims_solved(claim.content):
        return None  # the unit never said it was solved (an honest "cannot" is not a fake completion)
    if fake_case_of(db, claim.id) is not None:
        return None  # already raised (a callback and a repeat call about the same reply)
    if trigger == "callback" and evaluation is not None:
        why = {"code": "callback_unsolved", "zh": f"回访时诉求人称未解决（{SAT_ZH[evaluation.satisfaction]}），"
                                                  "而单位答复称已办理",
               "en": "at the callback the citizen said it was not solved, while the unit's reply said it was done"}
    else:
        why = {"code": "repeat_call", "zh": f"办结后同一来电人再次来电反映同一问题（{repeat.number if repeat else ''}）",
               "en": "after completion the same caller called again about the same matter"}
    flag = ReplyFlag(order_id=order.id, reply_id=None, claim_reply_id=claim.id, unit_id=unit_id or claim.unit_id,
                     kind="suspected_fake", trigger=trigger, state="open", reasons=[why], raised_at=now,
                     evaluation_id=evaluation.id if evaluation is not None else None,
                     repeat_order_id=repeat.id if repeat is not None else None,
                     citizen_text=citizen_text, recording_note=recording_note)
    db.add(flag)
    db.flush()
    db.add(AuditLog(actor_id=None, actor_label="系统", action="fake_case.raised", entity="reply_flag",
                    entity_id=str(flag.id), at=now,
                    data={"order": order.number, "trigger": trigger, "unit_id": flag.unit_id}))
    payload = {"number": order.number, "title": order.title, "reason": why["zh"]}
    db.add(OutboxMessage(topic="fake_case.raised", channel="inbox", recipient="role:supervisor",
                         order_id=order.id, payload=payload, dedupe_key=f"fake:{flag.id}:sup"))
    unit_code = db.get(Unit, flag.unit_id).code  # type: ignore[union-attr]
    db.add(OutboxMessage(topic="fake_case.raised", channel="inbox", recipient=f"unit:{unit_code}",
                         order_id=order.id, payload=payload, dedupe_key=f"fake:{flag.id}:unit"))
    return flag


def fake_on_evaluation(db: Session, *, task: CallbackTask, evaluation: Evaluation, recording_note: str | None,
                       now: datetime) -> None:
    """Extension ``callbacks.evaluated``: the citizen says unsolved about an order the unit said was solved."""
    if evaluation.solved or evaluation.excluded_reason:
        return
    words = evaluation.comment or f"未解决，{SAT_ZH[evaluation.satisfaction]}"
    _raise_fake(db, order=task.order, trigger="callback", citizen_text=words, now=now, evaluation=evaluation,
                recording_note=recording_note, unit_id=task.unit_id)


def fake_on_repeat_call(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """受理 hook (after duplicates linked the call): the same caller about an order completed in the window."""
    from hotline.duplicates.flows import repeat_checked
    from hotline.duplicates.models import RepeatLink

    checked, outcome = repeat_checked(db, order.id)
    if checked and outcome != "reopen_suggested":  # this intake linked it, or found nothing: no read back
        return
    link = db.scalar(select(RepeatLink).where(RepeatLink.order_id == order.id,
                                              RepeatLink.outcome == "reopen_suggested"))
    if link is None:
        return
    earlier = db.get(Order, link.earlier_order_id)
    if earlier is None:
        return
    _raise_fake(db, order=earlier, trigger="repeat_call", citizen_text=f"{order.title}：{order.content}", now=now,
                repeat=order, unit_id=earlier.lead_unit_id)
