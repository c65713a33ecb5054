"""Reads for callbacks: the agent's queue (due first, oldest first), the centre's review list, one task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.flows import SAT_ZH, SKIP_ZH
from hotline.callbacks.models import CallbackTask
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import Forbidden, NotFound
from hotline.org.models import User
from hotline.org.scoping import is_centre

STATE_ZH = {"pending": "待回访", "review": "待中心审核", "done": "已回访归档", "reopened": "已重办",
            "closed": "审核归档", "unreachable": "无法联系", "skipped": "免回访", "cancelled": "已取消"}
QUEUE_ROLES = {Role.callback_agent, Role.dispatcher, Role.supervisor, Role.admin}


def require_centre(user: User) -> None:
    if user.role not in QUEUE_ROLES or not is_centre(user):
        raise Forbidden("role_not_allowed", "回访队列仅热线中心可用", "the callback queue is for the centre")


def queue(db: Session, *, now: datetime | None = None, limit: int = 200) -> dict[str, list[CallbackTask]]:
    now = now or utcnow()

    def q(*conds: Any, order: Any = (CallbackTask.due_at, CallbackTask.id)) -> list[CallbackTask]:
        return list(db.scalars(select(CallbackTask).where(*conds).order_by(*order).limit(limit)))

    return {
        "due": q(CallbackTask.state == "pending", CallbackTask.due_at <= now),
        "review": q(CallbackTask.state == "review"),
        "upcoming": q(CallbackTask.state == "pending", CallbackTask.due_at > now),
    }


def get_task(db: Session, task_id: int) -> CallbackTask:
    task = db.get(CallbackTask, task_id)
    if task is None:
        raise NotFound("task_not_found", "找不到回访任务", "callback task not found")
    return task


def present(task: CallbackTask) -> dict[str, Any]:
    o = task.order
    return {
        "id": task.id, "order_number": o.number, "order_title": o.title, "order_status": o.status,
        "citizen_name": o.citizen_name, "citizen_phone": o.citizen_phone,
        "unit": task.unit.name if task.unit else None, "state": task.state, "state_label": STATE_ZH[task.state],
        "skip_reason": task.skip_reason, "skip_label": SKIP_ZH.get(task.skip_reason or ""),
        "due_at": task.due_at, "attempts": task.attempts, "last_attempt_at": task.last_attempt_at,
        "decision_note": task.decision_note,
    }


__all__ = ["queue", "get_task", "present", "require_centre", "STATE_ZH", "SAT_ZH"]
