"""The work-order state machine: the one and only writer of ``Order.status``.

Why one table: a hotline is judged on what happened to each order and when.  If
any code could set ``status``, an order could skip its review or lose a
milestone, and the rates built on those milestones would lie.  Every move is
therefore a row of ``RULES`` — which statuses it leaves from, where it goes,
who may make it and which milestone it stamps — and ``transition`` refuses
anything else with an error a person can read.  ``docs/lifecycle.md`` prints
this table; ``tests/unit/test_lifecycle.py`` walks every legal pair and a
sample of illegal ones.

This module is pure (no database): flows in ``hotline.orders.flows`` call it
inside their transaction and write the audit event beside it.

Pending work elsewhere (a callback result waiting for the centre's review, a
callback not yet made …) is handed in as ``Blocker``s, read from the database
by the flows: an action a blocker names is refused with 409 ``guard_failed``
and its button is not offered, so no action can orphan work that waits on the
order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hotline.city.schema import Role
from hotline.errors import Conflict, Forbidden
from hotline.orders.enums import ACTION_ZH, STATUS_ZH, Action, Status

SYSTEM = "system"  # the worker, auto-dispatch, integrations acting on their own
CITIZEN = "citizen"  # the citizen, through the portal

S = Status
R = Role


class OrderState(Protocol):
    """What the state machine needs to see of an order."""

    status: str
    held_status: str | None
    pending_extension: bool
    via_subcentre: bool
    first_dispatched_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    suspended_at: datetime | None
    first_contact_resolved: bool


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[Status]
    targets: tuple[Status, ...]  # the first is the usual one; ``choose`` picks among them
    roles: frozenset[str]
    stamps: tuple[str, ...] = ()
    guard: Callable[[OrderState], tuple[str, str] | None] | None = None
    choose: Callable[[OrderState], Status] | None = None
    doc: str = ""

    def target_for(self, order: OrderState) -> Status:
        if self.choose is not None:
            return self.choose(order)
        return self.targets[0]


@dataclass(frozen=True)
class Blocker:
    """Work elsewhere that waits on this order and that ``blocks`` would orphan (with the reason why)."""

    blocks: frozenset[Action]
    zh: str
    en: str


def _needs_no_pending_extension(o: OrderState) -> tuple[str, str] | None:
    if o.pending_extension:
        return ("已有待审批的延期申请", "an extension request is already pending")
    return None


def _needs_pending_extension(o: OrderState) -> tuple[str, str] | None:
    if not o.pending_extension:
        return ("没有待审批的延期申请", "there is no pending extension request")
    return None


def _back_to_dispatcher(o: OrderState) -> Status:
    """An approved return goes to whoever dispatched it: the centre or the sub-centre."""
    return S.at_subcentre if o.via_subcentre else S.received


def _back_to_held(o: OrderState) -> Status:
    """A rejected return puts the order back where the unit had it."""
    return S.in_progress if o.held_status == S.in_progress else S.dispatched


CENTRE_FRONT = frozenset({R.operator, R.dispatcher})
DISPATCH = frozenset({R.dispatcher})
UNIT = frozenset({R.unit_handler, R.unit_leader})
REVIEW = frozenset({R.dispatcher, R.supervisor})
STAFF = frozenset(set(Role) - {R.leader, R.province_leader, R.province_supervisor, R.province_admin})
LIVE = frozenset({S.dispatched, S.in_progress, S.return_requested, S.suspended})
PRE_DISPATCH = frozenset({S.received, S.at_subcentre})
CO_HANDLING = frozenset({S.dispatched, S.in_progress, S.suspended})

RULES: dict[Action, Rule] = {
    r.action: r
    for r in [
        Rule(Action.answer_first_contact, frozenset({S.received}), (S.completed,), CENTRE_FRONT,
             ("completed_at",), doc="operator answers from the knowledge base at first contact"),
        Rule(Action.dispatch, frozenset({S.received}), (S.dispatched,), CENTRE_FRONT | {SYSTEM},
             ("first_dispatched_at", "dispatched_at"), doc="centre sends to a lead unit (+ co-handlers)"),
        Rule(Action.dispatch_to_subcentre, frozenset({S.received}), (S.at_subcentre,),
             CENTRE_FRONT | {SYSTEM}, doc="centre sends to a district sub-centre"),
        Rule(Action.subdispatch, frozenset({S.at_subcentre}), (S.dispatched,), DISPATCH,
             ("first_dispatched_at", "dispatched_at"), doc="sub-centre sends to one of its streets"),
        Rule(Action.sign, frozenset({S.dispatched}), (S.in_progress,), UNIT, ("signed_at",)),
        Rule(Action.request_return, frozenset({S.dispatched, S.in_progress}), (S.return_requested,), UNIT,
             doc="unit asks to give the order back, with a reason"),
        Rule(Action.approve_return, frozenset({S.return_requested}), (S.received, S.at_subcentre), DISPATCH,
             choose=_back_to_dispatcher, doc="back to the dispatcher's queue with the reason"),
        Rule(Action.reject_return, frozenset({S.return_requested}), (S.dispatched, S.in_progress), DISPATCH,
             choose=_back_to_held, doc="the unit keeps the order"),
        Rule(Action.redispatch, frozenset({S.dispatched, S.in_progress, S.return_requested}), (S.dispatched,),
             DISPATCH, ("dispatched_at",), doc="改派: another lead unit; the clock restarts"),
        Rule(Action.request_extension, frozenset({S.in_progress}), (S.in_progress,), UNIT,
             guard=_needs_no_pending_extension),
        Rule(Action.approve_extension, frozenset({S.in_progress}), (S.in_progress,), REVIEW,
             guard=_needs_pending_extension, doc="the deadline moves"),
        Rule(Action.reject_extension, frozenset({S.in_progress}), (S.in_progress,), REVIEW,
             guard=_needs_pending_extension),
        Rule(Action.add_co_unit, CO_HANDLING, (), DISPATCH,
             doc="协办: another unit is asked for its opinion; status unchanged"),
        Rule(Action.remove_co_unit, CO_HANDLING, (), DISPATCH,
             doc="a co-unit is released, with a reason; status unchanged"),
        Rule(Action.co_reply, LIVE, (), UNIT, doc="a co-handler's opinion; status unchanged"),
        Rule(Action.reply, frozenset({S.in_progress}), (S.replied,), UNIT, ("replied_at",),
             doc="waits for the co-units' opinions, or overrides them with a recorded reason"),
        Rule(Action.complete, frozenset({S.replied}), (S.completed,), DISPATCH, ("completed_at",),
             doc="the centre accepts the reply"),
        Rule(Action.reopen, frozenset({S.replied, S.completed, S.closed}), (S.dispatched,), REVIEW,
             ("dispatched_at",), doc="重办: back to the lead unit, which signs again"),
        Rule(Action.close, frozenset({S.completed}), (S.closed,),
             DISPATCH | {R.callback_agent, R.supervisor, SYSTEM},
             ("closed_at",)),
        Rule(Action.suspend, frozenset({S.in_progress}), (S.suspended,), REVIEW, ("suspended_at",),
             doc="挂账: cannot be solved now; the clock pauses"),
        Rule(Action.resume, frozenset({S.suspended}), (S.in_progress,), REVIEW),
        Rule(Action.hand_off, PRE_DISPATCH, (S.handed_off,), CENTRE_FRONT, ("closed_at",),
             doc="转110/119/120"),
        Rule(Action.inform, PRE_DISPATCH, (S.informed,), CENTRE_FRONT, ("closed_at",),
             doc="告知: out of scope; the citizen is told the proper channel"),
        Rule(Action.withdraw, PRE_DISPATCH | LIVE, (S.withdrawn,), CENTRE_FRONT | {CITIZEN}, ("closed_at",)),
        Rule(Action.cancel_duplicate, PRE_DISPATCH | {S.dispatched, S.in_progress}, (S.merged,), DISPATCH | {SYSTEM},
             ("closed_at",), doc="并单: the order joins a parent"),
        Rule(Action.unmerge, frozenset({S.merged}), (S.received,), DISPATCH,
             doc="撤销并单: a wrongly merged order leaves its parent and waits for dispatch again"),
        Rule(Action.comment, frozenset(Status), (), STAFF | {CITIZEN},
             doc="a note on the timeline (staff, or the citizen through the portal); status unchanged"),
        Rule(Action.urge, LIVE | PRE_DISPATCH | {S.replied}, (), frozenset({R.supervisor, R.dispatcher, SYSTEM}),
             doc="催办: a reminder to the unit; status unchanged"),
        Rule(Action.supervise, LIVE | {S.replied}, (), frozenset({R.supervisor, SYSTEM}),
             doc="督办 / 挂牌督办 with a required response date; status unchanged"),
        Rule(Action.respond_supervision, LIVE | {S.replied, S.completed}, (), UNIT,
             doc="the unit answers a supervision notice; status unchanged"),
        Rule(Action.transfer_city, PRE_DISPATCH, (S.transfer_sent,), DISPATCH,
             doc="转办: to another city's centre with a reason; that city gets a new linked order"),
        Rule(Action.accept_transfer, frozenset({S.transfer_pending}), (S.received,), DISPATCH,
             doc="the receiving centre accepts: its order waits for dispatch like any new one"),
        Rule(Action.return_transfer, frozenset({S.transfer_pending}), (S.transfer_returned,), DISPATCH,
             ("closed_at",), doc="the receiving centre gives it back with a reason"),
        Rule(Action.transfer_out_accepted, frozenset({S.transfer_sent}), (S.transferred_out,), frozenset({SYSTEM}),
             ("closed_at",), doc="the sender's side of 接收转办 (written by that flow): transferred out, linked"),
        Rule(Action.transfer_out_returned, frozenset({S.transfer_sent}), (S.received,), frozenset({SYSTEM}),
             doc="the sender's side of 退回转办 (written by that flow): back in the centre's queue"),
    ]
}


INTAKE_ROLES = frozenset({R.operator, R.dispatcher, R.admin, R.grid_worker, SYSTEM, CITIZEN})  # 网格: 主动发现


def arrival_status() -> Status:
    """转办: the status an order arriving from another city's centre is born with (hotline.transfers)."""
    return S.transfer_pending


def initial_status(role: str) -> Status:
    """受理: the status a new order is born with; the only other place status is set."""
    if role not in INTAKE_ROLES:
        raise Forbidden("role_not_allowed", "您的角色无权受理工单", "your role may not create orders")
    return S.received


@dataclass(frozen=True)
class Transition:
    action: Action
    from_status: Status
    to_status: Status


def _blocked(action: Action, blockers: tuple[Blocker, ...]) -> Blocker | None:
    return next((b for b in blockers if action in b.blocks), None)


def allowed_actions(order: OrderState, role: str, blockers: tuple[Blocker, ...] = ()) -> list[Action]:
    """Actions this role may take on the order now (the console shows these buttons)."""
    out = []
    for rule in RULES.values():
        if order.status in rule.sources and role in rule.roles:
            if (rule.guard is None or rule.guard(order) is None) and _blocked(rule.action, blockers) is None:
                out.append(rule.action)
    return out


def check(order: OrderState, action: Action, role: str, blockers: tuple[Blocker, ...] = ()) -> Rule:
    """Refuse an action that the current status or this role does not allow."""
    rule = RULES.get(action)
    if rule is None:
        raise Conflict("unknown_action", f"未知操作：{action}", f"unknown action: {action}")
    status = Status(order.status)
    if status not in rule.sources:
        raise Conflict(
            "illegal_transition",
            f"工单当前状态为“{STATUS_ZH[status]}”，不能执行“{ACTION_ZH[action]}”",
            f"cannot {action.value} an order whose status is {status.value}",
            status=status.value,
            action=action.value,
        )
    if role not in rule.roles:
        raise Forbidden(
            "role_not_allowed",
            f"您的角色无权执行“{ACTION_ZH[action]}”",
            f"your role ({role}) may not {action.value}",
        )
    if rule.guard is not None:
        problem = rule.guard(order)
        if problem is not None:
            raise Conflict("guard_failed", problem[0], problem[1], action=action.value)
    blocker = _blocked(action, blockers)
    if blocker is not None:
        raise Conflict("guard_failed", blocker.zh, blocker.en, action=action.value)
    return rule


def transition(order: OrderState, action: Action, role: str, *, now: datetime,
               blockers: tuple[Blocker, ...] = ()) -> Transition:
    """Apply ``action`` to ``order``: set the status and stamp the milestone.

    Raises ``Conflict`` (409) when the status does not allow it and
    ``Forbidden`` (403) when the role does not.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rule = check(order, action, role, blockers)
    before = Status(order.status)
    after = rule.target_for(order) if rule.targets else before
    for stamp in rule.stamps:
        if stamp == "first_dispatched_at" and order.first_dispatched_at is not None:
            continue
        setattr(order, stamp, now)
    if action == Action.answer_first_contact:
        order.first_contact_resolved = True
    if after == S.return_requested:
        order.held_status = before.value
    elif before == S.return_requested:
        order.held_status = None
    if action == Action.unmerge:
        order.closed_at = None
    if action == Action.reopen:
        order.signed_at = None
        order.replied_at = None
        order.completed_at = None
        order.closed_at = None
    order.status = after.value
    return Transition(action, before, after)


def markdown_table() -> str:
    """The transition table as Markdown, for docs/lifecycle.md (a test keeps them equal)."""
    from hotline.orders.enums import ACTION_ZH

    lines = ["| action | 操作 | from | to | who | stamps |", "|---|---|---|---|---|---|"]
    for rule in RULES.values():
        sources = ", ".join(sorted(s.value for s in rule.sources))
        targets = " / ".join(t.value for t in rule.targets) or "(unchanged)"
        roles = ", ".join(sorted(rule.roles))
        lines.append(f"| `{rule.action.value}` | {ACTION_ZH[rule.action]} | {sources} | {targets} | {roles} | "
                     f"{', '.join(rule.stamps)} |")
    return "\n".join(lines)
