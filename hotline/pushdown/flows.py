"""Push-down writes: the guard on 派单 (a stated reason), the record after it, the supervisor's review.

国办函〔2025〕66号 asks that department work not be pushed down to townships.  When the dispatch
catalogue names a functional department for a demand's category, dispatching it to a street,
township or community needs a reason of at least ``MIN_REASON`` characters (``pushdown_reason``
in the action's payload); the dispatch event carries it, a ``pushdowns`` row keeps it for review,
and a supervisor marks it accepted or not, on the order's timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action
from hotline.orders.models import Order, OrderEvent
from hotline.org.models import Unit
from hotline.org.scoping import is_centre_in
from hotline.pushdown.models import Pushdown
from hotline.pushdown.service import needs_reason
from hotline.validation import decision_note

MIN_REASON = 10
AUTO_REASON = "系统按路由建议自动派单，待督办员审核"
_PENDING = "pushdown.pending"  # db.info: what the guard found, for the hook after the action


def guard(db: Session, order: Order, actor: Actor, payload: dict[str, Any], now: datetime) -> None:
    """Refuse a push-down without a reason; remember one with a reason for ``record``."""
    pending = db.info.setdefault(_PENDING, {})
    pending.pop(order.id, None)
    if order.channel == "import":
        return  # history being moved in: that dispatch happened elsewhere
    code = payload.get("lead_unit")
    lead = db.scalar(select(Unit).where(Unit.code == code)) if code else None
    category = payload.get("category_code") or order.category_code
    depts = needs_reason(db, category_code=category, lead=lead)
    if not depts or lead is None:
        return
    reason = str(payload.get("pushdown_reason") or "").strip()
    if actor.user is None:
        reason = reason or AUTO_REASON
    elif len(reason) < MIN_REASON:
        names = "、".join(u.name for u in depts)
        raise BadRequest(
            "pushdown_reason_required",
            f"派单目录规定该类诉求由{names}承办，派给{lead.name}须说明理由（至少{MIN_REASON}字）",
            f"the dispatch catalogue names {', '.join(u.code for u in depts)} for this demand; dispatching it to "
            f"{lead.code} needs a stated reason ({MIN_REASON} characters or more)", field="pushdown_reason")
    if len(reason) > 2000:
        raise BadRequest("pushdown_reason_too_long", "下沉理由不超过2000字", "the reason is at most 2000 characters",
                         field="pushdown_reason")
    pending[order.id] = {"unit_id": lead.id, "category_code": category, "reason": reason,
                         "catalogue_units": [u.code for u in depts]}


def record(db: Session, order: Order, actor: Actor, event: OrderEvent, now: datetime) -> None:
    """After 派单/分中心派单/改派: the push-down row, and the reason on the dispatch event."""
    found = db.info.get(_PENDING, {}).pop(order.id, None)
    if found is None:
        return
    db.add(Pushdown(order_id=order.id, action=event.action, unit_id=found["unit_id"],
                    category_code=found["category_code"], catalogue_units=found["catalogue_units"],
                    reason=found["reason"], dispatcher_id=actor.user_id, auto=actor.user is None, at=now))
    event.data = {**(event.data or {}), "pushdown": {"reason": found["reason"],
                                                     "catalogue_units": found["catalogue_units"]}}
    event.note = ((event.note + "；") if event.note else "") + f"下沉理由：{found['reason']}"


def do_review(db: Session, *, pd: Pushdown, actor: Actor, accept: bool, note: str,
              now: datetime | None = None) -> Pushdown:
    """A centre supervisor marks the stated reason accepted or not, with a note, on the order's timeline."""
    now = now or utcnow()
    if actor.user is None or not is_centre_in(actor.user, Role.supervisor):
        raise Forbidden("role_not_allowed", "只有中心督办员可以审核下沉理由", "only the centre's supervisors review")
    if pd.state != "pending":
        raise Conflict("already_reviewed", "该下沉派单已审核", "this push-down has already been reviewed")
    note = decision_note(note)
    pd.state = "accepted" if accept else "rejected"
    pd.reviewed_by_id, pd.reviewed_at, pd.review_note = actor.user_id, now, note
    verdict = "理由成立" if accept else "理由不成立"
    do_action(db, order=pd.order, actor=actor, action=Action.comment,
              payload={"note": f"下沉派单审核：{verdict}。{note}"}, now=now)
    return pd
