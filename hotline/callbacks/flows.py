"""Callback writes: the task made on completion, each call attempt, self-ratings, the centre's review.

Every function runs inside the caller's transaction and leaves an audit trail on
the order (an ``OrderEvent`` through ``orders.flows.do_action``); the order is
only ever closed or reopened through the state machine (``Action.close`` /
``Action.reopen``).  See docs/callbacks.md for the rules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.links import rating_path
from hotline.callbacks.models import SATISFACTION, CallbackOptOut, CallbackTask, Evaluation
from hotline.city.kpi_settings import kpi_settings
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden
from hotline.orders.actor import CITIZEN_ACTOR, SYSTEM_ACTOR, Actor
from hotline.orders.enums import Action, Status
from hotline.orders.flows import do_action
from hotline.orders.lifecycle import Blocker
from hotline.orders.models import Order, OrderEvent
from hotline.outbox.models import OutboxMessage

SAT_ZH = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意"}
SKIP_ZH = {"anonymous": "匿名诉求", "no_phone": "无联系电话", "declined": "诉求人不愿回访",
           "designated": "已认定为不合理诉求", "merged": "已并单", "imported": "历史导入"}


def skip_reason(db: Session, order: Order) -> str | None:
    """Why this order gets no callback, or None."""
    from hotline import registry

    cfg = kpi_settings().callback
    if order.channel == "import":
        return "imported"  # a case closed elsewhere, maybe years ago: nobody calls the citizen now
    if order.status == Status.merged or order.parent_id is not None:
        return "merged"
    for other in registry.get().extensions_of("callbacks.skip_reason"):  # e.g. appeals: "designated"
        reason = other(db, order)
        if reason:
            return str(reason)
    if cfg.skip_anonymous and order.anonymous:
        return "anonymous"
    if cfg.skip_no_phone and not order.citizen_phone:
        return "no_phone"
    if db.get(CallbackOptOut, order.id) is not None:
        return "declined"
    return None


def create_task(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """办结 → a callback task due after the configured delay (or a skipped one, with the reason)."""
    cfg = kpi_settings().callback
    reason = skip_reason(db, order)
    task = CallbackTask(order_id=order.id, round=order.reopen_count, unit_id=order.lead_unit_id,
                        state="skipped" if reason else "pending", skip_reason=reason, created_at=now,
                        due_at=now + timedelta(hours=cfg.delay_hours))
    db.add(task)
    db.flush()
    if reason is None and order.citizen_phone:
        url = (cfg_base() or "") + rating_path(task.id)
        db.add(OutboxMessage(topic="callback.rating_link", channel="sms", recipient=order.citizen_phone,
                             order_id=order.id, dedupe_key=f"rate:{task.id}",
                             payload={"number": order.number, "title": order.title, "url": url,
                                      "days": cfg.rating_link_days,
                                      "text": f"您反映的问题（{order.number}）已办结，欢迎评价：{url}"}))


def cfg_base() -> str:
    """Absolute base of links in SMS texts (HOTLINE_PUBLIC_BASE_URL); relative when unset."""
    from hotline.config import get_settings

    return get_settings().public_base_url.rstrip("/")


def settle_open_tasks(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """An order reopened or archived elsewhere (order page) leaves no callback hanging."""
    for task in db.scalars(select(CallbackTask).where(CallbackTask.order_id == order.id,
                                                      CallbackTask.state.in_(("pending", "review")))):
        task.state = "reopened" if event.action == Action.reopen else "cancelled"
        task.decided_at, task.decided_by_id = now, actor.user_id
        task.decision_note = task.decision_note or event.note


def callback_blockers(db: Session, order: Order) -> list[Blocker]:
    """归档 may not orphan a callback: not while it waits to be made, nor while its result waits for the
    centre's review (the review decides 重办 or 归档).  Reopening stays possible: it is a decision."""
    if order.status != Status.completed:
        return []
    states = set(db.scalars(select(CallbackTask.state).where(CallbackTask.order_id == order.id,
                                                            CallbackTask.state.in_(("pending", "review")))))
    if "review" in states:
        return [Blocker(frozenset({Action.close}),
                        "回访结果为未解决或不满意，正待中心审核：请在“回访审核”中决定重办或归档",
                        "the callback found the matter unsolved or the citizen dissatisfied and awaits the "
                        "centre's review: decide reopen or archive in the callback review")]
    if "pending" in states:
        return [Blocker(frozenset({Action.close}),
                        "回访尚未完成，不能直接归档：请先登记回访结果（或登记诉求人不愿回访）",
                        "the callback has not been made yet: record its result (or the citizen's opt-out) "
                        "before archiving")]
    return []


def _open_task(task: CallbackTask, *states: str) -> None:
    if task.state not in states:
        raise Conflict("task_not_open", "该回访任务已处理", "this callback task has already been handled",
                       state=task.state)
    if task.order.status != Status.completed:
        raise Conflict("order_not_completed", "工单不在“已办结待回访”状态",
                       "the order is no longer awaiting its callback")


def _judgement(payload: dict[str, Any]) -> tuple[bool, str, str | None]:
    solved, sat = payload.get("solved"), payload.get("satisfaction")
    if isinstance(solved, str):
        solved = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(solved.lower())
    if not isinstance(solved, bool):
        raise BadRequest("solved_required", "请选择是否解决", "say whether the matter was solved", field="solved")
    if sat not in SATISFACTION:
        raise BadRequest("satisfaction_required", "请选择满意度（满意/基本满意/不满意）",
                         "satisfaction must be satisfied, basic or dissatisfied", field="satisfaction")
    comment = (payload.get("comment") or "").strip()[:2000] or None
    return solved, sat, comment


def _passes(solved: bool, sat: str) -> bool:
    ok_sat = {"satisfied", "basic"} if kpi_settings().basic_counts_as_satisfied else {"satisfied"}
    return solved and sat in ok_sat


def _evaluate(db: Session, task: CallbackTask, *, actor: Actor, channel: str, solved: bool, sat: str,
              comment: str | None, now: datetime, recording_note: str | None = None) -> Evaluation:
    ev = Evaluation(order_id=task.order_id, task_id=task.id, unit_id=task.unit_id,
                    agent_id=actor.user_id if channel == "phone" else None, at=now, channel=channel,
                    solved=solved, satisfaction=sat, comment=comment)
    db.add(ev)
    label = "回访" if channel == "phone" else "诉求人自评"
    note = f"{label}：{'已解决' if solved else '未解决'}，{SAT_ZH[sat]}" + (f"。{comment}" if comment else "")
    if _passes(solved, sat):
        task.state = "done"
        closer = actor if channel == "phone" else replace(SYSTEM_ACTOR, label="系统（诉求人自评）")
        do_action(db, order=task.order, actor=closer, action=Action.close, payload={"note": note}, now=now)
    else:
        task.state = "review"
        if channel == "phone":
            do_action(db, order=task.order, actor=actor, action=Action.comment, payload={"note": note}, now=now)
        else:  # the citizen's own rating, through the state machine's citizen role
            do_action(db, order=task.order, actor=CITIZEN_ACTOR, action=Action.comment, payload={"note": note},
                      now=now)
    db.flush()
    from hotline import registry

    # extension point ``callbacks.evaluated``: later packages react to the citizen's judgement in this
    # transaction (replies: a "solved" order the citizen says is unsolved becomes a suspected fake completion)
    for fn in registry.get().extensions_of("callbacks.evaluated"):
        fn(db, task=task, evaluation=ev, recording_note=recording_note, now=now)
    return ev


def do_record_call(db: Session, *, task: CallbackTask, actor: Actor, payload: dict[str, Any],
                   now: datetime | None = None) -> CallbackTask:
    """One call attempt by a callback agent: not reached (retry / unreachable) or an evaluation."""
    now = now or utcnow()
    if actor.role != Role.callback_agent:
        raise Forbidden("role_not_allowed", "只有回访员可以登记回访", "only callback agents record callbacks")
    _open_task(task, "pending")
    cfg = kpi_settings().callback
    task.attempts += 1
    task.last_attempt_at, task.agent_id = now, actor.user_id
    reached = payload.get("reached")
    if isinstance(reached, str):
        reached = reached.lower() in ("true", "1", "yes", "on")
    if not reached:
        note = (payload.get("comment") or "").strip()[:500] or None
        task.last_note = note
        if task.attempts >= cfg.max_attempts:
            task.state = "unreachable"
            text = f"回访未接通（第{task.attempts}次），标记为无法联系"
            action = Action.close if cfg.close_unreachable else Action.comment
            do_action(db, order=task.order, actor=actor, action=action, payload={"note": text}, now=now)
        else:
            task.due_at = now + timedelta(hours=cfg.retry_hours)
            do_action(db, order=task.order, actor=actor, action=Action.comment,
                      payload={"note": f"回访未接通（第{task.attempts}次），稍后重拨"}, now=now)
        return task
    solved, sat, comment = _judgement(payload)
    recording = (payload.get("recording_note") or "").strip()[:500] or None  # 录音备注: where in the call
    _evaluate(db, task, actor=actor, channel="phone", solved=solved, sat=sat, comment=comment, now=now,
              recording_note=recording)
    return task


def do_self_rate(db: Session, *, task: CallbackTask, payload: dict[str, Any],
                 now: datetime | None = None) -> Evaluation:
    """The citizen rates through the signed link: one rating per task, no login."""
    now = now or utcnow()
    if task.state != "pending" or db.scalar(select(Evaluation.id).where(Evaluation.task_id == task.id)):
        raise Conflict("already_rated", "该工单已评价，感谢您的反馈", "this order has already been rated")
    _open_task(task, "pending")
    solved, sat, comment = _judgement(payload)
    citizen = Actor(role="citizen", label="诉求人")
    return _evaluate(db, task, actor=citizen, channel="self", solved=solved, sat=sat, comment=comment, now=now)


def do_review(db: Session, *, task: CallbackTask, actor: Actor, decision: str, reason: str,
              now: datetime | None = None) -> CallbackTask:
    """The centre decides an unsolved or dissatisfied callback: reopen (重办) or archive with a reason."""
    now = now or utcnow()
    if actor.role not in (Role.dispatcher, Role.supervisor) or actor.user is None or actor.user.unit.type != "centre":
        raise Forbidden("role_not_allowed", "只有中心派单员或督办员可以审核回访结果",
                        "only the centre's dispatchers and supervisors review callbacks")
    _open_task(task, "review")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise BadRequest("reason_required", "请填写理由（至少5个字）", "a reason is required (at least 5 characters)",
                         field="reason")
    if decision not in ("reopen", "close"):
        raise BadRequest("bad_decision", "请选择重办或归档", "decision must be reopen or close", field="decision")
    task.state = "reopened" if decision == "reopen" else "closed"
    task.decided_by_id, task.decided_at, task.decision_note = actor.user_id, now, reason
    if decision == "reopen":
        do_action(db, order=task.order, actor=actor, action=Action.reopen, payload={"reason": reason}, now=now)
    else:
        # The state machine lets dispatchers close; a supervisor's decision is carried out by the system.
        closer = actor if actor.role == Role.dispatcher else Actor(
            role="system", label=f"系统（督办员{actor.user.name}审核归档）", user=actor.user)
        do_action(db, order=task.order, actor=closer, action=Action.close,
                  payload={"note": f"回访审核归档：{reason}"}, now=now)
    return task


def do_opt_out(db: Session, *, order: Order, actor: Actor, note: str | None = None,
               now: datetime | None = None) -> CallbackOptOut:
    """Record that the citizen declines callbacks; a pending task for the order is skipped."""
    now = now or utcnow()
    if actor.user is None or actor.user.unit.type != "centre":
        raise Forbidden("role_not_allowed", "只有热线中心可以登记", "only the centre records this")
    row = db.get(CallbackOptOut, order.id)
    if row is None:
        row = CallbackOptOut(order_id=order.id, created_at=now, created_by_id=actor.user_id, note=note)
        db.add(row)
    for task in db.scalars(select(CallbackTask).where(CallbackTask.order_id == order.id,
                                                      CallbackTask.state == "pending")):
        task.state, task.skip_reason = "skipped", "declined"
    do_action(db, order=order, actor=actor, action=Action.comment,
              payload={"note": "诉求人不愿接受回访" + (f"：{note}" if note else "")}, now=now)
    return row
