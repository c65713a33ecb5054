"""The 单位 (Organisation) pages of 管理: the tree, a unit's page, the merge and retire previews.

Every write calls a flow of ``hotline.units.flows`` and commits once, then redirects with a flash
(POST → 303 → GET).  A merge or retire is first a GET preview (``plan``: what will happen, with the
administrator's choices) whose form posts the same choices to the confirm.  The province's
administrator may read these pages; its writes are refused by ``org.deps`` (``province_read_only``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from hotline.db import commit_or_conflict
from hotline.errors import AppError
from hotline.org import audit
from hotline.org.deps import SessionDep
from hotline.org.models import Unit, User
from hotline.org.units import names
from hotline.units import flows, service
from hotline.web import kit as cs
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)
READERS = ("admin", "province_admin")
Code = Annotated[str, Form(max_length=flows.MAX_CODE)]
Choice = Annotated[str, Query(max_length=16)]
TargetQ = Annotated[str, Query(max_length=flows.MAX_CODE)]


def _tree_page(request: Request, db: SessionDep, user: User, **extra: Any) -> Response:
    status_code = int(extra.pop("status_code", 200))
    return render(request, "admin_units.html", {
        "nodes": service.tree(db), "types": flows.CREATABLE, "type_labels": service.TYPE_ZH,
        "can_edit": user.role == "admin", "form": extra.pop("form", {}), **extra}, status_code=status_code)


@router.get("/admin/units")
def units(request: Request, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, READERS)
    return _tree_page(request, db, user)


@router.post("/admin/units")
def create(request: Request, db: SessionDep, user: PageUser, code: Code = "",
           name: Annotated[str, Form(max_length=flows.MAX_NAME)] = "", type: Annotated[str, Form(max_length=16)] = "",
           parent: Code = "", short_name: Annotated[str, Form(max_length=flows.MAX_SHORT)] = "",
           phone: Annotated[str, Form(max_length=flows.MAX_PHONE)] = "",
           duties: Annotated[str, Form(max_length=flows.MAX_DUTIES)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        unit = flows.do_create_unit(db, actor=user, code=code, name=name, type=type, parent_code=parent or None,
                                    short_name=short_name or None, duties=duties, phone=phone or None)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _tree_page(request, db, user, error=exc, status_code=exc.status_code, form={
            "code": code, "name": name, "type": type, "parent": parent, "short_name": short_name, "phone": phone,
            "duties": duties})
    flows.forget_routing()
    return redirect_with_flash(f"/admin/units/{unit.code}", f"已新建单位 {unit.name}", f"Unit {unit.name} created")


def _detail(request: Request, db: SessionDep, user: User, code: str, **extra: Any) -> Response:
    status_code = int(extra.pop("status_code", 200))
    unit = flows.get_unit(db, code)
    nodes = service.tree(db, include_retired=False)
    return render(request, "admin_unit.html", {
        "u": unit, "parent": db.scalar(select(Unit).where(Unit.id == unit.parent_id)) if unit.parent_id else None,
        "type_labels": service.TYPE_ZH, "former": names(db).former(unit),
        "children": [n for n in nodes if n.parent_code == unit.code],
        "people": list(db.scalars(select(User).where(User.unit_id == unit.id).order_by(User.username))),
        "others": [n for n in nodes if n.unit.id != unit.id], "can_edit": user.role == "admin",
        "recent": audit.search(db, audit.AuditFilter(entity="unit", entity_id=unit.code), limit=10),
        **extra}, status_code=status_code)


@router.get("/admin/units/{code}")
def detail(request: Request, code: str, db: SessionDep, user: PageUser) -> Response:
    cs.require_role(user, READERS)
    return _detail(request, db, user, code)


def _refused(request: Request, db: SessionDep, user: User, code: str, exc: AppError) -> Response:
    db.rollback()
    return _detail(request, db, user, code, error=exc, status_code=exc.status_code)


@router.post("/admin/units/{code}")
def update(request: Request, code: str, db: SessionDep, user: PageUser,
           name: Annotated[str, Form(max_length=flows.MAX_NAME)] = "",
           short_name: Annotated[str, Form(max_length=flows.MAX_SHORT)] = "",
           phone: Annotated[str, Form(max_length=flows.MAX_PHONE)] = "",
           duties: Annotated[str, Form(max_length=flows.MAX_DUTIES)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        flows.do_update_unit(db, actor=user, unit=flows.get_unit(db, code), name=name, short_name=short_name,
                             phone=phone, duties=duties)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, code, exc)
    flows.forget_routing()
    return redirect_with_flash(f"/admin/units/{code}", "已保存", "Saved")


@router.post("/admin/units/{code}/move")
def move(request: Request, code: str, db: SessionDep, user: PageUser, parent: Code = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        flows.do_move_unit(db, actor=user, unit=flows.get_unit(db, code), parent_code=parent or None)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, code, exc)
    return redirect_with_flash(f"/admin/units/{code}", "已移动单位", "Unit moved")


def _preview(request: Request, db: SessionDep, user: User, code: str, kind: str, target: str, orders: str,
             users: str, duties: str) -> Response:
    unit = flows.get_unit(db, code)
    try:
        p = flows.plan(db, kind=kind, unit=unit, target_code=target or None, orders=orders, users=users,
                       duties=duties in ("1", "on", "true"))
    except AppError as exc:
        return _detail(request, db, user, code, error=exc, status_code=exc.status_code)
    return render(request, "admin_unit_preview.html", {
        "u": unit, "p": p, "c": p.counts(), "can_edit": user.role == "admin",
        "orders_list": sorted({a.order.number for a in p.assignments} | {o.number for o in p.other_orders})[:50]})


@router.get("/admin/units/{code}/merge")
def merge_preview(request: Request, code: str, db: SessionDep, user: PageUser, target: TargetQ = "",
                  orders: Choice = "move", users: Choice = "move", duties: Choice = "1") -> Response:
    cs.require_role(user, READERS)
    return _preview(request, db, user, code, "merge", target, orders, users, duties)


@router.get("/admin/units/{code}/retire")
def retire_preview(request: Request, code: str, db: SessionDep, user: PageUser, target: TargetQ = "",
                   orders: Choice = "stay", users: Choice = "stay", duties: Choice = "") -> Response:
    cs.require_role(user, READERS)
    return _preview(request, db, user, code, "retire", target, orders, users, duties)


def _confirm(request: Request, db: SessionDep, user: User, code: str, kind: str, target: str, orders: str,
             users: str, duties: str) -> Response:
    cs.require_role(user, ADMIN)
    unit = flows.get_unit(db, code)
    try:
        p = flows.plan(db, kind=kind, unit=unit, target_code=target or None, orders=orders, users=users,
                       duties=duties in ("1", "on", "true"))
        c = flows.execute(db, p, actor=user)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, code, exc)
    flows.forget_routing()
    where = f"，并入{p.target.name}" if kind == "merge" and p.target else ""
    where_en = f" into {p.target.code}" if kind == "merge" and p.target else ""
    zh = (f"已{'合并' if kind == 'merge' else '撤销'}{unit.name}{where}：转移{c['orders_moved']}件在办工单、"
          f"{c['people_moved']}名人员，停用{c['people_disabled']}个账号，新增{len(c['keywords'])}个关键词")
    en = (f"{unit.code} {'merged' if kind == 'merge' else 'retired'}{where_en}: {c['orders_moved']} open order(s) "
          f"and {c['people_moved']} people moved, {c['people_disabled']} account(s) disabled, "
          f"{len(c['keywords'])} keyword(s) added")
    return redirect_with_flash(f"/admin/units/{code}", zh, en)


@router.post("/admin/units/{code}/merge")
def merge(request: Request, code: str, db: SessionDep, user: PageUser, target: Code = "",
          orders: Annotated[str, Form(max_length=16)] = "move", users: Annotated[str, Form(max_length=16)] = "move",
          duties: Annotated[str, Form(max_length=8)] = "") -> Response:
    return _confirm(request, db, user, code, "merge", target, orders, users, duties)


@router.post("/admin/units/{code}/retire")
def retire(request: Request, code: str, db: SessionDep, user: PageUser, target: Code = "",
           orders: Annotated[str, Form(max_length=16)] = "stay", users: Annotated[str, Form(max_length=16)] = "stay",
           duties: Annotated[str, Form(max_length=8)] = "") -> Response:
    return _confirm(request, db, user, code, "retire", target, orders, users, duties)


__all__ = ["router"]
