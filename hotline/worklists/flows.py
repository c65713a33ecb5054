"""Writes of worklists: keep or drop a saved view (an audit row each), and bulk work on orders.

Bulk work (批量操作) is not a new kind of write: every selected order goes through
``orders.flows.do_action`` (its own status check, scope check, handler, timeline row and
notices) and is committed on its own, so one order's refusal (409, illegal move, out of scope)
leaves the others done and itself untouched.  The result says, per order, what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.errors import AppError, BadRequest, Forbidden
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action
from hotline.orders.schemas import ActionIn
from hotline.org.models import AuditLog, User
from hotline.worklists.models import VIEW_LISTS, SavedView
from hotline.worklists.service import SHARE_ROLES, clean_query

BULK_ACTIONS = {"dispatch": Action.dispatch, "urge": Action.urge, "sign": Action.sign}  # 派单/催办/签收 (+回访员, export)
BULK_ROLES = ("dispatcher", "supervisor")  # the order list's and the queue's bulk work
UNIT_BULK_ROLES = ("unit_handler", "unit_leader")  # the unit inbox's: 签收
ACTION_ROLES = {"dispatch": BULK_ROLES, "urge": BULK_ROLES, "sign": UNIT_BULK_ROLES}
LIST_ROLES = {"orders": BULK_ROLES, "queue": BULK_ROLES, "inbox": UNIT_BULK_ROLES}  # who sees a list's bulk bar
LIST_ACTIONS = {"orders": ("dispatch", "urge", "assign_callback_agent"), "queue": ("dispatch", "urge"),
                "inbox": ("sign",)}  # what each list's bulk bar offers (export on every one)
AGENT_ROLES = ("dispatcher", "supervisor", "admin")
BULK_MAX = 100


def _audit(db: Session, actor: Actor, action: str, entity: str, entity_id: Any, data: dict[str, Any]) -> None:
    db.add(AuditLog(actor_id=actor.user_id, actor_label=actor.label, action=action, entity=entity,
                    entity_id=str(entity_id), data=data))


def do_save_view(db: Session, *, actor: Actor, name: str, query: dict[str, Any], list_: str = "orders",
                 share_with_role: str | None = None) -> SavedView:
    name = name.strip()
    if not 1 <= len(name) <= 40:
        raise BadRequest("view_name", "视图名称须为1至40个字", "a view's name has 1 to 40 characters", field="name")
    if list_ not in VIEW_LISTS:
        raise BadRequest("view_list", "未知的列表", "unknown list", field="list")
    user = actor.user
    assert user is not None
    if share_with_role and share_with_role not in {r.value for r in Role}:
        raise BadRequest("view_role", "未知的角色", "unknown role", field="share_with_role")
    if share_with_role and user.role not in SHARE_ROLES:
        raise Forbidden("view_share_role", "只有管理员或督办员可为角色保存共享视图",
                        "only an admin or a supervisor may keep a view for a role")
    view = SavedView(name=name, list=list_, query=clean_query(query, list_), created_by_id=user.id,
                     owner_id=None if share_with_role else user.id, role=share_with_role or None)
    db.add(view)
    db.flush()
    _audit(db, actor, "saved_view.create", "saved_view", view.id,
           {"name": view.name, "query": view.query, "role": view.role})
    return view


def do_delete_view(db: Session, *, actor: Actor, view: SavedView) -> None:
    user = actor.user
    assert user is not None
    if view.owner_id != user.id and not (view.role and user.role in SHARE_ROLES):
        raise Forbidden("view_not_yours", "只能删除自己的视图", "you may delete only your own views")
    _audit(db, actor, "saved_view.delete", "saved_view", view.id, {"name": view.name})
    db.delete(view)


@dataclass
class BulkResult:
    number: str
    ok: bool
    status: str | None = None
    code: str | None = None
    zh: str | None = None
    en: str | None = None
    status_code: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class BulkReport:
    action: str
    results: list[BulkResult] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> int:
        return len(self.results) - self.done

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "done": self.done, "failed": self.failed,
                "results": [r.as_dict() for r in self.results]}


def _numbers(numbers: list[str]) -> list[str]:
    seen: list[str] = []
    for n in numbers:
        n = n.strip()
        if n and n not in seen:
            seen.append(n)
    if not seen:
        raise BadRequest("bulk_empty", "请至少选择一件工单", "select at least one order", field="numbers")
    if len(seen) > BULK_MAX:
        raise BadRequest("bulk_too_many", f"一次最多批量处理{BULK_MAX}件工单",
                         f"at most {BULK_MAX} orders at once", field="numbers")
    return seen


def _each(db: Session, numbers: list[str], user: User, action: str, work: Any) -> BulkReport:
    """``work(order)`` per order, each committed alone; a refusal rolls back that order only."""
    report = BulkReport(action)
    for number in _numbers(numbers):
        try:
            order = orders.get_order(db, number=number, user=user)
            work(order)
            commit_or_conflict(db)
            report.results.append(BulkResult(number, True, status=order.status))
        except AppError as exc:
            db.rollback()
            report.results.append(BulkResult(number, False, code=exc.code, zh=exc.zh, en=exc.en,
                                             status_code=exc.status_code))
    return report


def do_bulk_action(db: Session, *, user: User, numbers: list[str], action: str,
                   payload: dict[str, Any]) -> BulkReport:
    """派单 / 催办 / 签收 on each selected order through ``do_action``; commits per order."""
    act = BULK_ACTIONS.get(action)
    if act is None:
        if user.role not in BULK_ROLES + UNIT_BULK_ROLES:
            raise Forbidden("bulk_role", "只有派单员或督办员可批量处理工单", "only dispatchers and supervisors work in bulk")
        raise BadRequest("bulk_action", "不支持的批量操作", "unsupported bulk action", field="action")
    if user.role not in ACTION_ROLES[action]:
        if action == "sign":
            raise Forbidden("bulk_role", "只有承办单位人员可批量签收", "only a unit's staff sign for orders in bulk")
        raise Forbidden("bulk_role", "只有派单员或督办员可批量处理工单", "only dispatchers and supervisors work in bulk")
    try:  # the same fields, lengths and shapes as one order's action (orders.schemas.ActionIn)
        body = ActionIn.model_validate({**{k: v for k, v in payload.items() if k not in ("action", "expected_version")},
                                        "action": act.value})
    except ValidationError as exc:
        raise BadRequest("bulk_payload", "批量操作的内容不符合要求", f"invalid payload: {exc.errors()[0].get('msg')}",
                         field="payload") from exc
    actor = Actor.of(user)
    return _each(db, numbers, user, action,
                 lambda order: do_action(db, order=order, actor=actor, action=act, payload=body.payload()))


def do_bulk_callback_agent(db: Session, *, user: User, numbers: list[str], agent: str) -> BulkReport:
    """指派回访员: the open 回访 task of each order goes to one callback agent (an audit row each)."""
    from hotline.callbacks.models import CallbackTask

    if user.role not in AGENT_ROLES:
        raise Forbidden("bulk_role", "只有派单员、督办员或管理员可指派回访员",
                        "only dispatchers, supervisors and admins assign callback agents")
    who = db.scalar(select(User).where(User.username == agent.strip(), User.role == "callback_agent",
                                       User.active.is_(True)))
    if who is None:
        raise BadRequest("agent_unknown", "请选择一名回访员", "choose a callback agent", field="agent")
    actor = Actor.of(user)

    def assign(order: Any) -> None:
        task = db.scalar(select(CallbackTask).where(CallbackTask.order_id == order.id,
                                                    CallbackTask.state.in_(("pending", "unreachable")))
                         .order_by(CallbackTask.id.desc()))
        if task is None:
            raise BadRequest("no_callback_task", "该工单没有待回访任务", "the order has no open callback task")
        before = task.agent_id
        task.agent_id = who.id
        _audit(db, actor, "callback_task.assign", "callback_task", task.id,
               {"order": order.number, "agent": who.username, "before": before})

    return _each(db, numbers, user, "assign_callback_agent", assign)
