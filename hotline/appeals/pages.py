"""Console pages: the appeals list and review (/appeals), and the order-page panel partial.

The panel (``/orders/{number}/appeals-panel``) is a fragment the order page can
pull with HTMX: the order's evaluations (with "excluded" marks), its callback
tasks, its requests, and the form a lead unit uses to file.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hotline.appeals import flows, service
from hotline.appeals.views import read_files
from hotline.callbacks.flows import SAT_ZH
from hotline.callbacks.service import STATE_ZH as TASK_STATE_ZH
from hotline.db import commit_or_conflict
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import SessionDep
from hotline.org.scoping import is_centre
from hotline.validation import DbId
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
        "can_decide": is_centre(user) and user.role in ("dispatcher", "supervisor") and req.state == "pending"})


@router.post("/appeals/{request_id}/decide")
def decide(request_id: DbId, db: SessionDep, user: PageUser, accept: Annotated[str, Form()] = "",
           note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    req = service.get_request(db, request_id=request_id, user=user)
    flows.do_decide(db, req=req, actor=Actor.of(user), accept=accept == "true", note=note)
    commit_or_conflict(db)
    return RedirectResponse(f"/appeals/{request_id}", status_code=303)


@router.post("/appeals/file")
async def file_page(db: SessionDep, user: PageUser, number: Annotated[str, Form(max_length=32)] = "",
                    kind: Annotated[str, Form(max_length=16)] = "", reason: Annotated[str, Form(max_length=4000)] = "",
                    evaluation_id: Annotated[str, Form()] = "",
                    files: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    data = await read_files(files)
    return _file(db, user, number, kind, reason, evaluation_id, data)


def _file(db: SessionDep, user: PageUser, number: str, kind: str, reason: str, evaluation_id: str,
          data: list[tuple[str, bytes]]) -> Response:
    order = orders.get_order(db, number=number, user=user)
    ev_id = int(evaluation_id) if evaluation_id.isdigit() else None
    req = flows.do_file(db, order=order, actor=Actor.of(user), kind=kind, reason=reason, evaluation_id=ev_id,
                        files=data)
    commit_or_conflict(db)
    return RedirectResponse(f"/appeals/{req.id}", status_code=303)


@router.get("/orders/{number}/appeals-panel")
def panel(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    order = orders.get_order(db, number=number, user=user)
    return render(request, "appeals_panel.html", {
        "panel": service.order_panel(db, order=order, user=user), "sat_labels": SAT_ZH,
        "excluded_labels": EXCLUDED_ZH, "task_states": TASK_STATE_ZH})
