"""督办看板: the supervisor board — due-soon and overdue orders by lead unit, open notices.

The lists refresh themselves every 30 s (HTMX polls ``/supervision/lists``), so
a board left open on a wall screen stays current without a reload.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hotline import registry
from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.org.scoping import is_centre_in
from hotline.web import kit as cs
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)

BOARD_ROLES = (Role.supervisor.value, Role.dispatcher.value, Role.leader.value)


def board_ctx(db: Session, user: User, *, show_all: bool = False) -> dict[str, Any]:
    """``show_all``: the lists up to ``BOARD_ALL`` orders each, not the first ``BOARD_LIST`` (显示全部)."""
    from hotline.sla.service import bound
    from hotline.supervision.models import LEVELS, STATES
    from hotline.supervision.service import BOARD_ALL, BOARD_LIST, board

    now = utcnow()
    _, cal = bound()
    b = board(db, user=user, now=now, limit=BOARD_ALL if show_all else BOARD_LIST)
    # later packages add panels (``supervision.board_panels``: fn(db, user, now) -> {template, ctx})
    panels = [fn(db, user, now) for fn in registry.get().extensions_of("supervision.board_panels")]
    return {**{k: v for p in panels for k, v in p["ctx"].items()}, "panels": [p["template"] for p in panels],
        "board": b, "now": now, "levels": LEVELS, "states": STATES,
        "totals": {"red": sum(u["red"] for u in b.by_unit), "yellow": sum(u["yellow"] for u in b.by_unit)},
        "show_all": show_all,
        # leaders only read; dispatchers may urge (催办); supervisors urge and supervise (督办)
        "can_urge": is_centre_in(user, Role.supervisor, Role.dispatcher),
        "can_supervise": user.role == Role.supervisor,
        "default_respond_by": cal.add_working_days(now, 1).at.date().isoformat(),
    }


@router.get("/supervision")
def supervision_board(request: Request, db: SessionDep, user: PageUser, show: str = "") -> Response:
    cs.require_role(user, BOARD_ROLES)
    return render(request, "sla_board.html", board_ctx(db, user, show_all=show == "all"))


@router.get("/supervision/lists")
def supervision_board_lists(request: Request, db: SessionDep, user: PageUser, show: str = "") -> Response:
    cs.require_role(user, BOARD_ROLES)
    return render(request, "sla_board_lists.html", board_ctx(db, user, show_all=show == "all"))
