"""Console pages of worklists: the views bar on the lists (``/views/bar``), keeping and dropping a
view, and the bulk form's result page (``/worklists/bulk``) with each order's outcome and the
timeline row the action wrote."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from hotline.db import commit_or_conflict
from hotline.errors import BadRequest
from hotline.orders.actor import Actor
from hotline.orders.models import Order, OrderEvent
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.kit import is_htmx
from hotline.web.pages import PageUser
from hotline.web.templating import render
from hotline.worklists import flows, service
from hotline.worklists.models import VIEW_LISTS

router = APIRouter(include_in_schema=False)

BULK_LABELS = {"dispatch": "批量派单", "urge": "批量催办", "sign": "批量签收", "assign_callback_agent": "批量指派回访员"}


@router.get("/views/bar")
def views_bar(request: Request, db: SessionDep, user: PageUser, list: str = "orders", view: str = "") -> Response:
    """The viewer's saved views with their counts, and the form that keeps the current filter."""
    list_ = list if list in VIEW_LISTS else "orders"
    # this list's views first (they open here), then the viewer's views of the other lists (they open there)
    views = sorted(service.present_all(db, service.visible_views(db, user=user), user=user),
                   key=lambda v: v["list"] != list_)
    query = service.clean_query(dict(request.query_params), list_)
    return render(request, "partials/worklists_bar.html", {
        "views": views, "list_name": list_, "query": query, "current": view, "list_labels": service.LIST_LABELS,
        "can_share": user.role in service.SHARE_ROLES})


@router.post("/views")
def save_view(request: Request, db: SessionDep, user: PageUser, name: Annotated[str, Form(max_length=80)] = "",
              list: Annotated[str, Form(max_length=16)] = "orders", query: Annotated[str, Form(max_length=2000)] = "",
              share: Annotated[str, Form(max_length=4)] = "",
              status: Annotated[str, Form(max_length=32)] = "", kind: Annotated[str, Form(max_length=32)] = "",
              category: Annotated[str, Form(max_length=32)] = "", unit: Annotated[str, Form(max_length=64)] = "",
              territory: Annotated[str, Form(max_length=64)] = "", channel: Annotated[str, Form(max_length=32)] = "", urgency: Annotated[str, Form(max_length=16)] = "",
              light: Annotated[str, Form(max_length=8)] = "",
              q: Annotated[str, Form(max_length=100)] = "", overdue: Annotated[str, Form(max_length=8)] = "",
              date_from: Annotated[str, Form(max_length=10)] = "", date_to: Annotated[str, Form(max_length=10)] = "",
              sort: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Keeps the filter form's current fields (HTMX includes them); without script, the bar's ``query``."""
    from urllib.parse import parse_qsl

    fields = {"status": status, "kind": kind, "category": category, "unit": unit, "territory": territory,
              "channel": channel,
              "urgency": urgency, "light": light, "q": q, "overdue": overdue, "date_from": date_from, "date_to": date_to, "sort": sort}
    wanted = fields if any(fields.values()) or is_htmx(request) else dict(parse_qsl(query))
    view = flows.do_save_view(db, actor=Actor.of(user), name=name, query=wanted, list_=list,
                              share_with_role=user.role if share else None)
    commit_or_conflict(db)
    response = redirect_with_flash(service.href(view), f"已保存视图：{view.name}", f"View saved: {view.name}")
    if is_htmx(request):  # let the browser open the view's list rather than swap a redirect into the bar
        response.status_code = 204
        response.headers["HX-Redirect"] = service.href(view)
    return response


@router.post("/views/{view_id}/delete")
def delete_view(view_id: DbId, db: SessionDep, user: PageUser) -> Response:
    view = service.get_view(db, view_id=view_id, user=user)
    name, back = view.name, service.LIST_PATHS.get(view.list, "/orders")
    flows.do_delete_view(db, actor=Actor.of(user), view=view)
    commit_or_conflict(db)
    return redirect_with_flash(back, f"已删除视图：{name}", f"View deleted: {name}")


def _agents(db: SessionDep) -> list[tuple[str, str]]:
    return [(u.username, u.name) for u in db.scalars(select(User).where(User.role == "callback_agent",
                                                                          User.active.is_(True)).order_by(User.username))]


def _back(url: str, list_: str) -> str:
    """The list (with its filter) that a bulk result page links back to: only a path of that list."""
    path = service.LIST_PATHS[list_]
    tail = url.split(path, 1)[1] if path in url else ""
    return path + tail if tail[:1] in ("", "?") and "//" not in tail else path


@router.get("/worklists/bulk-form")
def bulk_form(request: Request, db: SessionDep, user: PageUser, list: str = "orders") -> Response:
    """The bulk form above a list (the rows' checkboxes name it by ``form="bulk-form"``): the order list's,
    the queue's (派单, 催办) or the inbox's (签收); export on each."""
    from hotline.console import support as cs

    list_ = list if list in VIEW_LISTS else "orders"
    cs.require_role(user, flows.LIST_ROLES[list_])
    actions = flows.LIST_ACTIONS[list_]
    return render(request, "partials/worklists_bulk_form.html", {
        "actions": actions, "list_name": list_,
        "unit_groups": cs.unit_groups(db) if "dispatch" in actions else [],
        "category_groups": cs.category_groups(db) if "dispatch" in actions else [],
        "callback_agents": _agents(db) if "assign_callback_agent" in actions else [],
        "back": _back(request.headers.get("hx-current-url") or "", list_)})


@router.post("/worklists/bulk")
def bulk(request: Request, db: SessionDep, user: PageUser,
         numbers: Annotated[list[str] | None, Form(alias="number")] = None,
         bulk_action: Annotated[str, Form(max_length=32)] = "", lead_unit: Annotated[str, Form(max_length=64)] = "",
         category_code: Annotated[str, Form(max_length=32)] = "", note: Annotated[str, Form(max_length=2000)] = "",
         agent: Annotated[str, Form(max_length=64)] = "", back: Annotated[str, Form(max_length=2000)] = "") -> Response:
    picked = [n for n in (numbers or []) if n.strip()]
    if bulk_action == "assign_callback_agent":
        report = flows.do_bulk_callback_agent(db, user=user, numbers=picked, agent=agent)
    elif bulk_action in flows.BULK_ACTIONS:
        payload = ({"lead_unit": lead_unit, "category_code": category_code} if bulk_action == "dispatch"
                   else {"note": note} if bulk_action == "urge" else {})
        report = flows.do_bulk_action(db, user=user, numbers=picked, action=bulk_action,
                                      payload={k: v for k, v in payload.items() if v.strip()})
    else:
        raise BadRequest("bulk_action", "请选择批量操作", "choose a bulk action", field="bulk_action")
    # the timeline row each successful action wrote, to show beside its result
    latest: dict[str, OrderEvent | None] = {}
    for r in report.results:
        if r.ok:
            latest[r.number] = db.scalar(select(OrderEvent).join(Order, Order.id == OrderEvent.order_id)
                                         .where(Order.number == r.number).order_by(OrderEvent.id.desc()).limit(1))
    list_ = next((k for k, p in service.LIST_PATHS.items() if back.startswith(p)), "orders")
    back_url = _back(back, list_)
    return render(request, "worklists_bulk.html", {
        "report": report, "label": BULK_LABELS.get(report.action, report.action), "latest": latest,
        "back": back_url, "export_query": urlencode([("number", r.number) for r in report.results])})


__all__ = ["router", "BULK_LABELS"]
