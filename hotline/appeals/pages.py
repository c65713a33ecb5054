"""Console pages: the appeals list and review (/appeals), and the order-page panel partial.

The panel (``/orders/{number}/appeals-panel``) is a fragment the order page can
pull with HTMX: the order's evaluations (with "excluded" marks), its callback
tasks, its requests, and the form a lead unit uses to file.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.appeals import flows, service
from hotline.appeals.views import read_files
from hotline.callbacks.flows import SAT_ZH
from hotline.callbacks.service import STATE_ZH as TASK_STATE_ZH
from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.errors import Forbidden
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import SessionDep
from hotline.org.scoping import is_centre, is_centre_in
from hotline.validation import DbId
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
EXCLUDED_ZH = {"appeal": "申诉已采纳，不计入考核", "designation": "不合理诉求，不计入考核"}


@router.get("/appeals")
def list_page(request: Request, db: SessionDep, user: PageUser, state: str = "") -> Response:
    state = state if state in service.STATE_ZH else ""
    rows = [service.present(r, user) for r in service.list_requests(db, user=user, state=state or None)]
    return render(request, "appeals_list.html", {"rows": rows, "state": state, "states": service.STATE_ZH})


@router.get("/appeals/{request_id}")
def detail_page(request: Request, request_id: DbId, db: SessionDep, user: PageUser) -> Response:
    req = service.get_request(db, request_id=request_id, user=user)
    history = service.caller_history(db, order=req.order, user=user) if is_centre(user) else None
    panel = service.order_panel(db, order=req.order, user=user)
    return render(request, "appeals_detail.html", {
        "r": service.present(req, user), "history": history, "panel": panel, "sat_labels": SAT_ZH,
        "excluded_labels": EXCLUDED_ZH, "task_states": TASK_STATE_ZH,
        "can_decide": is_centre_in(user, Role.dispatcher, Role.supervisor) and req.state == "pending",
        # 派单异议: a dispatcher may redispatch (改派) as it sustains the objection
        "redispatch_units": service.unit_choices(db) if req.kind == "objection" and user.role == "dispatcher" else []})


@router.post("/appeals/{request_id}/decide")
def decide(request_id: DbId, db: SessionDep, user: PageUser, accept: Annotated[str, Form()] = "",
           note: Annotated[str, Form(max_length=2000)] = "",
           redispatch_to: Annotated[str, Form(max_length=64)] = "") -> Response:
    req = service.get_request(db, request_id=request_id, user=user)
    flows.do_decide(db, req=req, actor=Actor.of(user), accept=accept == "true", note=note,
                    redispatch_to=redispatch_to)
    commit_or_conflict(db)
    return RedirectResponse(f"/appeals/{request_id}", status_code=303)


@router.post("/appeals/file")
async def file_page(db: SessionDep, user: PageUser, number: Annotated[str, Form(max_length=32)] = "",
                    kind: Annotated[str, Form(max_length=16)] = "", reason: Annotated[str, Form(max_length=4000)] = "",
                    evaluation_id: Annotated[str, Form()] = "",
                    basis: Annotated[str, Form(max_length=2000)] = "",
                    proposed_unit: Annotated[str, Form(max_length=64)] = "",
                    files: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    data = await read_files(files)
    return _file(db, user, number, kind, reason, evaluation_id, data, basis, proposed_unit)


def _file(db: SessionDep, user: PageUser, number: str, kind: str, reason: str, evaluation_id: str,
          data: list[tuple[str, bytes]], basis: str = "", proposed_unit: str = "") -> Response:
    order = orders.get_order(db, number=number, user=user)
    ev_id = int(evaluation_id) if evaluation_id.isdigit() else None
    req = flows.do_file(db, order=order, actor=Actor.of(user), kind=kind, reason=reason, evaluation_id=ev_id,
                        files=data, basis=basis, proposed_unit=proposed_unit)
    commit_or_conflict(db)
    return RedirectResponse(f"/appeals/{req.id}", status_code=303)


@router.get("/orders/{number}/appeals-panel")
def panel(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    order = orders.get_order(db, number=number, user=user)
    return render(request, "appeals_panel.html", {
        "panel": service.order_panel(db, order=order, user=user), "sat_labels": SAT_ZH,
        "excluded_labels": EXCLUDED_ZH, "task_states": TASK_STATE_ZH})


@router.get("/catalogue-changes")
def catalogue_changes_page(request: Request, db: SessionDep, user: PageUser, state: str = "proposed") -> Response:
    """The dispatch catalogue's change queue: one row per sustained 派单异议 (admins; the centre reads)."""
    if not is_centre_in(user, Role.admin, Role.dispatcher, Role.supervisor):
        raise Forbidden("role_not_allowed", "您的角色无权访问此页面", "your role may not open this page")
    state = state if state in service.CHANGE_ZH else ""
    rows = []
    for r in service.catalogue_changes(db, state=state or None):
        row = service.present(r, user)
        row["catalogue_units"] = catalogue_units(db, r.category_code)
        rows.append(row)
    return render(request, "appeals_catalogue_changes.html", {
        "rows": rows, "state": state, "states": service.CHANGE_ZH, "editable": user.role == "admin"})


@router.post("/catalogue-changes/{request_id}")
def catalogue_change_mark(request_id: DbId, db: SessionDep, user: PageUser,
                          state: Annotated[str, Form(max_length=16)] = "",
                          note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    req = service.get_request(db, request_id=request_id, user=user)
    flows.do_mark_change(db, req=req, actor=Actor.of(user), state=state, note=note)
    commit_or_conflict(db)
    return redirect_with_flash("/catalogue-changes", "已更新目录调整状态", "Catalogue change updated")


def catalogue_units(db: Session, category_code: str | None) -> list[str]:
    """The unit codes the catalogue in force (its current version, else the city file) names for a category now."""
    from hotline.routing.service import live_categories

    cat = live_categories(db).get(category_code or "")
    return list(cat.units) if cat is not None else []
