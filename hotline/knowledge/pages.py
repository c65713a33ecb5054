"""Console: knowledge list and search, entry with versions, edit form, due-for-review, answer an order."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from hotline.db import commit_or_conflict
from hotline.errors import BadRequest
from hotline.knowledge import flows, service
from hotline.knowledge.schemas import EntryIn
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import SessionDep
from hotline.org.scoping import is_centre, subtree_ids
from hotline.validation import DbId
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
STAFF = {"operator", "dispatcher", "unit_handler", "unit_leader", "supervisor", "callback_agent", "admin", "leader"}
FORM_FIELDS = ("question", "answer", "policy_basis", "owner_unit", "valid_from", "valid_until", "review_date",
               "tags", "category_code", "note", "expected_version")


@router.get("/knowledge")
def knowledge_list(request: Request, db: SessionDep, user: PageUser, q: Annotated[str, Query(max_length=200)] = "",
                   page: Annotated[int, Query(ge=1, le=10000)] = 1) -> Any:
    if q.strip():
        hits = service.search(db, q=q, limit=30)
        total = len(hits)
    else:
        total, rows = service.list_entries(db, page=page, size=30)
        hits = [(e, None) for e in rows]
    return render(request, "knowledge_list.html", {"q": q, "hits": hits, "total": total, "page": page,
                                                   "can_create": user.role in ("admin", "supervisor",
                                                                               "unit_handler", "unit_leader")})


@router.get("/knowledge/due")
def knowledge_due(request: Request, db: SessionDep, user: PageUser) -> Any:
    units = None if is_centre(user) else subtree_ids(db, user.unit_id)
    rows = service.due_for_review(db, today=date.today(), within_days=30, unit_ids=units)  # noqa: DTZ011
    return render(request, "knowledge_due.html", {"rows": rows, "today": date.today()})  # noqa: DTZ011


def _form_values(form: Any) -> dict[str, Any]:
    return {k: (form.get(k) or "").strip() or None for k in FORM_FIELDS}


def _errors(exc: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]) if e.get("loc") else "form": e.get("msg", "") for e in exc.errors()}


@router.get("/knowledge/new")
def new_form(request: Request, db: SessionDep, user: PageUser) -> Any:
    return render(request, "knowledge_edit.html", {"e": None, "values": {"owner_unit": user.unit.code},
                                                   "errors": {}})


@router.post("/knowledge/new")
async def create(request: Request, db: SessionDep, user: PageUser) -> Any:
    values = _form_values(await request.form())
    try:
        data = EntryIn.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        return render(request, "knowledge_edit.html", {"e": None, "values": values, "errors": _errors(exc)},
                      status_code=422)
    entry = flows.do_create_entry(db, actor=Actor.of(user), data=data)
    commit_or_conflict(db)
    return RedirectResponse(f"/knowledge/{entry.id}", status_code=303)


@router.get("/knowledge/{entry_id}")
def entry_page(request: Request, entry_id: DbId, db: SessionDep, user: PageUser) -> Any:
    e = service.get(db, entry_id=entry_id)
    return render(request, "knowledge_entry.html", {
        "e": e, "versions": service.versions(db, entry_id=entry_id),
        "can_edit": service.can_edit(db, user=user, owner_unit_id=e.owner_unit_id)})


@router.get("/knowledge/{entry_id}/edit")
def edit_form(request: Request, entry_id: DbId, db: SessionDep, user: PageUser) -> Any:
    e = service.get(db, entry_id=entry_id)
    values = {f: getattr(e, f) for f in flows.FIELDS} | {"tags": "，".join(e.tags or []),
                                                          "expected_version": e.version}
    return render(request, "knowledge_edit.html", {"e": e, "values": values, "errors": {}})


@router.post("/knowledge/{entry_id}/edit")
async def edit(request: Request, entry_id: DbId, db: SessionDep, user: PageUser) -> Any:
    e = service.get(db, entry_id=entry_id)
    values = _form_values(await request.form())
    values["owner_unit"] = None
    try:
        data = EntryIn.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        return render(request, "knowledge_edit.html", {"e": e, "values": values, "errors": _errors(exc)},
                      status_code=422)
    flows.do_edit_entry(db, entry=e, actor=Actor.of(user), data=data)
    commit_or_conflict(db)
    return RedirectResponse(f"/knowledge/{entry_id}", status_code=303)


@router.get("/orders/{number}/knowledge")
def answer_page(request: Request, number: str, db: SessionDep, user: PageUser,
                q: Annotated[str, Query(max_length=200)] = "") -> Any:
    order = orders.get_order(db, number=number, user=user)
    hits = service.search(db, q=q or f"{order.title} {order.content}"[:300], limit=5)
    return render(request, "knowledge_answer.html", {"o": order, "q": q, "hits": hits,
                                                     "can_answer": order.status == "received"
                                                     and user.role in ("operator", "dispatcher")})


@router.post("/orders/{number}/knowledge/answer")
def answer(request: Request, number: str, db: SessionDep, user: PageUser,
           entry_id: Annotated[DbId, Form()], content: Annotated[str, Form(max_length=4000)] = "") -> Any:
    order = orders.get_order(db, number=number, user=user)
    if entry_id <= 0:
        raise BadRequest("entry_required", "请选择知识条目", "choose an entry", field="entry_id")
    flows.do_answer_from_entry(db, order=order, entry=service.get(db, entry_id=entry_id), actor=Actor.of(user),
                               content=content)
    commit_or_conflict(db)
    from hotline.web.flash import set_flash

    zh, en = f"已即时答复并办结：{number}（知识库）", f"Answered at first contact and completed: {number} (knowledge base)"
    if request.headers.get("hx-request"):
        from fastapi.responses import Response

        return set_flash(Response(status_code=204, headers={"HX-Redirect": f"/orders/{number}"}), zh, en)
    return set_flash(RedirectResponse(f"/orders/{number}", status_code=303), zh, en)
