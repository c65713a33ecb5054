"""Console: the duplicates view of an order (merge / unmerge via HTMX) and the repeat-call list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request

from hotline.db import commit_or_conflict
from hotline.duplicates import flows, service
from hotline.errors import BadRequest
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.models import Order
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.org.scoping import can_handle_repeats, require_repeat_handler
from hotline.validation import DbId
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


def _panel(request: Request, db: SessionDep, user: User, order: Order, message: str | None = None) -> Any:
    parent = db.get(Order, order.parent_id) if order.parent_id else None
    ctx = {"o": order, "parent": parent, "children": service.children(db, order=order),
           "candidates": service.for_order(db, user=user, order=order) if order.status in flows.index.OPEN_VALUES
           else [], "can_merge": user.role == "dispatcher", "unmerge_ok": flows.unmerge_available(),
           "message": message}
    return ctx


@router.get("/orders/{number}/duplicates")
def duplicates_page(request: Request, number: str, db: SessionDep, user: PageUser) -> Any:
    order = orders.get_order(db, number=number, user=user)
    return render(request, "duplicates_order.html", _panel(request, db, user, order))


@router.post("/orders/{number}/duplicates/merge")
def merge(request: Request, number: str, db: SessionDep, user: PageUser,
          other: Annotated[str, Form(max_length=32)] = "", direction: Annotated[str, Form(max_length=8)] = "in"
          ) -> Any:
    this = orders.get_order(db, number=number, user=user)
    that = orders.get_order(db, number=other.strip(), user=user)
    parent, child = (this, that) if direction == "in" else (that, this)
    flows.do_merge(db, parent=parent, children=[child], actor=Actor.of(user))
    commit_or_conflict(db)
    db.refresh(this)
    msg = f"{child.number} → {parent.number}"
    return render(request, "partials/duplicates_panel.html", _panel(request, db, user, this, msg))


@router.post("/orders/{number}/duplicates/unmerge")
def unmerge(request: Request, number: str, db: SessionDep, user: PageUser,
            child: Annotated[str, Form(max_length=32)] = "", reason: Annotated[str, Form(max_length=1000)] = "") -> Any:
    this = orders.get_order(db, number=number, user=user)
    kid = orders.get_order(db, number=child.strip() or number, user=user)
    if len(reason.strip()) < 2:
        raise BadRequest("reason_required", "请填写撤销并单的理由", "a reason is required", field="reason")
    flows.do_unmerge(db, child=kid, actor=Actor.of(user), reason=reason.strip())
    commit_or_conflict(db)
    db.refresh(this)
    return render(request, "partials/duplicates_panel.html", _panel(request, db, user, this, kid.number))


@router.get("/repeats")
def repeats(request: Request, db: SessionDep, user: PageUser) -> Any:
    rows = service.open_repeat_links(db) if can_handle_repeats(user) else []
    return render(request, "duplicates_repeats.html", {"rows": rows})


@router.post("/repeats/{link_id}")
def resolve(request: Request, link_id: DbId, db: SessionDep, user: PageUser,
            state: Annotated[str, Form(max_length=12)] = "done") -> Any:
    require_repeat_handler(user)  # the same check as the API (hotline/org/scoping.py)
    flows.do_resolve_repeat(db, link_id=link_id, actor=Actor.of(user), state=state)
    commit_or_conflict(db)
    return render(request, "duplicates_repeats.html", {"rows": service.open_repeat_links(db)})
