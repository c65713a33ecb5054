"""Enterprise demands API: the queue, the figures, and the USCC check for forms."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request

from hotline.enterprise import service
from hotline.errors import Forbidden
from hotline.kpi import periods
from hotline.orders import service as order_service
from hotline.orders import uscc
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.models import User
from hotline.org.scoping import is_centre
from hotline.web.templating import lang_of

router = APIRouter(prefix="/api/v1/enterprise", tags=["enterprise"])

DESK_ROLES = ("operator", "dispatcher", "supervisor", "leader", "admin")


def require_desk(user: User) -> None:
    """The enterprise service desk is the hotline centre's (sub-centres and units see theirs in their inboxes)."""
    if not is_centre(user) or user.role not in DESK_ROLES:
        raise Forbidden("role_not_allowed", "仅热线中心可查看涉企诉求台账", "only the hotline centre sees the enterprise desk")


def period_of(start: date | None, end: date | None) -> periods.Period:
    today = periods.local_today()
    return periods.custom(start or today - timedelta(days=29), end or today)


@router.get("/orders", summary="涉企诉求队列 · open enterprise demands, soonest due first")
def list_queue(db: SessionDep, user: CurrentUser, request: Request) -> dict[str, Any]:
    require_desk(user)
    rows = service.queue(db=db, user=user)
    return {"items": [order_service.present(db, o, user, lang=lang_of(request)) for o in rows]}


@router.get("/summary", summary="涉企诉求统计 · received (all and enterprise), share, open and overdue")
def get_summary(db: SessionDep, user: CurrentUser, start: date | None = None, end: date | None = None
                ) -> dict[str, Any]:
    require_desk(user)
    return service.summary(db=db, user=user, period=period_of(start, end))


@router.get("/uscc/{code}", summary="统一社会信用代码校验 · check a USCC's check digit (GB 32100-2015)")
def check_code(code: str, user: CurrentUser) -> dict[str, Any]:
    why = uscc.problem(code) if len(code) <= 64 else "length"
    return {"code": code.strip().upper()[:64], "valid": why is None, "problem": why,
            "message": None if why is None else f"统一社会信用代码{uscc.PROBLEM_ZH[why]}"}
