"""The 派单目录与分类 pages of 管理: entries, the taxonomy, versions (compare, roll back), import and export.

Every write makes one version through ``catalogue.service`` and commits once; the page then redirects
with a flash (POST → 303 → GET); a refused form is shown again with the reason.  The province's
administrator may read these pages; its writes are refused by ``org.deps``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from hotline.catalogue import service, spreadsheet
from hotline.catalogue.views import read_upload
from hotline.db import commit_or_conflict
from hotline.errors import AppError, BadRequest, NotFound
from hotline.org.deps import SessionDep
from hotline.org.models import Unit, User
from hotline.routing.service import forget_catalogue
from hotline.web import kit as cs
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = ("admin",)
READERS = ("admin", "province_admin")
Short = Annotated[str, Form(max_length=64)]
Reason = Annotated[str, Form(max_length=service.REASON_MAX)]
Words = Annotated[str, Form(max_length=4000)]
Base = Annotated[int | None, Form(ge=0, le=10_000_000)]
Number = Annotated[int, Query(ge=0, le=10_000_000)]


def _pick_city(request: Request, db: SessionDep, path: str) -> Response | None:
    """A provincial reader who has not named a city: the cities to choose from (None: go on)."""
    from hotline.city.tenancy import current_scope

    if not current_scope().all_cities or request.query_params.get("city"):
        return None
    return render(request, "admin_catalogue_city.html", {"cities": service.cities(db), "path": path})


def _names(db: SessionDep) -> dict[str, str]:
    return {u.code: u.name for u in db.scalars(select(Unit))}


def _paths(snap: dict[str, Any]) -> dict[str, str]:
    cats = {c["code"]: c for c in snap["categories"]}
    out = {}
    for code in cats:
        names: list[str] = []
        seen: Any = code
        while seen in cats and len(names) < 3:
            names.append(cats[seen]["name"])
            seen = cats[seen]["parent"]
        out[code] = "/".join(reversed(names))
    return out


def _context(db: SessionDep, number: int, snap: dict[str, Any]) -> dict[str, Any]:
    units = list(db.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.type, Unit.code)))
    return {"number": number, "snap": snap, "paths": _paths(snap), "names": _names(db),
            "latest": service.latest(db),
            "territories": [u for u in units if u.type in service.TERRITORY_TYPES],
            "handlers": [u for u in units if u.type in service.LEAD_TYPES],
            "live_categories": [c for c in snap["categories"] if not c["retired"]]}


def _home(request: Request, db: SessionDep, user: User, *, status_code: int = 200, error: AppError | None = None,
          form: dict[str, Any] | None = None) -> Response:
    number, snap = service.current(db)
    return render(request, "admin_catalogue.html", {
        **_context(db, number, snap), "can_edit": user.role == "admin", "error": error, "form": form or {}},
        status_code=status_code)


def _refused(request: Request, db: SessionDep, user: User, exc: AppError, form: dict[str, Any]) -> Response:
    db.rollback()
    return _home(request, db, user, status_code=exc.status_code, error=exc, form=form)


def _done(url: str, row: Any, zh: str, en: str) -> Response:
    forget_catalogue()
    return redirect_with_flash(url, f"{zh}：已保存为第{row.number}版", f"{en}: saved as version {row.number}")


@router.get("/admin/catalogue")
def home(request: Request, db: SessionDep, user: PageUser, category: Annotated[str, Query(max_length=32)] = "",
         territory: Annotated[str, Query(max_length=64)] = "", city: Annotated[str, Query(max_length=64)] = "") -> Response:
    cs.require_role(user, READERS)
    if (pick := _pick_city(request, db, "/admin/catalogue")) is not None:
        return pick
    with service.reading(db, city):
        return _home_page(request, db, user, category, territory)


def _home_page(request: Request, db: SessionDep, user: User, category: str, territory: str) -> Response:
    form: dict[str, Any] = {}
    if category:  # 编辑: the entry's values in the form
        _n, snap = service.current(db)
        key = service.entry_key({"category": category, "territory": territory or None})
        form = next((dict(e) for e in snap["entries"] if service.entry_key(e) == key),
                    {"category": category, "territory": territory or None})
    return _home(request, db, user, form=form)


@router.post("/admin/catalogue/entries")
def save_entry(request: Request, db: SessionDep, user: PageUser, category: Short = "", territory: Short = "",
               lead: Short = "", co_units: Annotated[list[str] | None, Form(max_length=service.MAX_CO_UNITS)] = None,
               keywords: Words = "", reason: Reason = "", base: Base = None) -> Response:
    cs.require_role(user, ADMIN)
    co = [c[:64] for c in co_units or [] if c]
    form = {"category": category, "territory": territory or None, "lead": lead, "co_units": co,
            "keywords": keywords, "reason": reason}
    try:
        _n, snap = service.current(db)
        new = service.put_entry(snap, {"category": category, "territory": territory or None, "lead": lead,
                                       "co_units": co, "keywords": keywords})
        row = service.commit(db, actor=user, snapshot=new, reason=reason, base=base,
                             change=f"entry.put {category}@{territory or '*'}")
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, exc, form)
    return _done("/admin/catalogue", row, "已保存目录条目", "Entry saved")


@router.post("/admin/catalogue/entries/remove")
def remove_entry(request: Request, db: SessionDep, user: PageUser, category: Short = "", territory: Short = "",
                 reason: Reason = "", base: Base = None) -> Response:
    cs.require_role(user, ADMIN)
    try:
        _n, snap = service.current(db)
        row = service.commit(db, actor=user, snapshot=service.remove_entry(snap, category, territory or None),
                             reason=reason, base=base, change=f"entry.remove {category}@{territory or '*'}")
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, exc, {})
    return _done("/admin/catalogue", row, "已删除目录条目", "Entry removed")


# ---------------------------------------------------------------- import / export


@router.get("/admin/catalogue/export")
def export(db: SessionDep, user: PageUser, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
           version: Annotated[int | None, Query(ge=0, le=10_000_000)] = None, city: Annotated[str, Query(max_length=64)] = "") -> Response:
    cs.require_role(user, READERS)
    with service.reading(db, city):
        number, snap = service.version(db, version) if version is not None else service.current(db)
        content, media, name = spreadsheet.export(db, snap, number, format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _diff_page(request: Request, db: SessionDep, *, a: int, b: int, sa: dict[str, Any], sb: dict[str, Any],
               title: str, **extra: Any) -> Response:
    d = service.diff(sa, sb)
    paths = _paths(sa) | _paths(sb)
    return render(request, "admin_catalogue_diff.html", {
        "title": title, "a": a, "b": b, "d": d, "summary": service.counts(d), "empty": service.is_empty(d),
        "paths": paths, "names": _names(db), **extra})


@router.post("/admin/catalogue/import")
def import_preview(request: Request, db: SessionDep, user: PageUser, file: Annotated[UploadFile, File()]) -> Response:
    cs.require_role(user, ADMIN)
    try:
        number, snap = service.current(db)
        new = service.check(db, spreadsheet.read(db, read_upload(file), file.filename or "upload.csv", snap))
    except AppError as exc:
        return _refused(request, db, user, exc, {})
    return _diff_page(request, db, a=number, b=number + 1, sa=snap, sb=new, title="导入预览",
                      confirm={"entries": json.dumps(new["entries"], ensure_ascii=False), "base": number,
                               "file": (file.filename or "")[:200]})


@router.post("/admin/catalogue/import/confirm")
def import_confirm(request: Request, db: SessionDep, user: PageUser,
                   entries: Annotated[str, Form(max_length=5_000_000)] = "[]", reason: Reason = "", base: Base = None,
                   file: Annotated[str, Form(max_length=200)] = "") -> Response:
    cs.require_role(user, ADMIN)
    try:
        try:
            rows = json.loads(entries)
        except ValueError:
            raise BadRequest("catalogue_invalid", "导入内容有误，请重新上传", "malformed import; upload again") from None
        _n, snap = service.current(db)
        row = service.commit(db, actor=user, snapshot={"categories": snap["categories"], "entries": rows},
                             reason=reason, kind="import", base=base, file=file)
        commit_or_conflict(db)
    except AppError as exc:
        return _refused(request, db, user, exc, {})
    return _done("/admin/catalogue/versions", row, "已导入派单目录", "Catalogue imported")


# ---------------------------------------------------------------- categories


def _categories(request: Request, db: SessionDep, user: User, *, status_code: int = 200, error: AppError | None = None,
                form: dict[str, Any] | None = None, edit: str | None = None) -> Response:
    number, snap = service.current(db)
    cats = {c["code"]: c for c in snap["categories"]}
    if edit is not None and edit not in cats:
        raise NotFound("category_not_found", f"未知分类：{edit}", f"unknown category: {edit}")
    paths = _paths(snap)
    depth = {code: p.count("/") for code, p in paths.items()}
    ordered = sorted(snap["categories"], key=lambda c: paths[c["code"]])
    return render(request, "admin_catalogue_categories.html", {
        "number": number, "rows": ordered, "paths": paths, "depth": depth, "can_edit": user.role == "admin",
        "error": error, "form": form or {}, "edit": cats.get(edit) if edit else None,
        "parents": [c for c in ordered if not c["retired"] and depth[c["code"]] < 2 and c["code"] != edit]},
        status_code=status_code)


@router.get("/admin/catalogue/categories")
def categories(request: Request, db: SessionDep, user: PageUser,
               edit: Annotated[str, Query(max_length=32)] = "", city: Annotated[str, Query(max_length=64)] = "") -> Response:
    cs.require_role(user, READERS)
    if (pick := _pick_city(request, db, "/admin/catalogue/categories")) is not None:
        return pick
    with service.reading(db, city):
        return _categories(request, db, user, edit=edit or None)


def _flag(value: str) -> bool:
    return value in ("1", "on", "true")


@router.post("/admin/catalogue/categories")
def add_category(request: Request, db: SessionDep, user: PageUser, code: Annotated[str, Form(max_length=32)] = "",
                 name: Short = "", parent: Annotated[str, Form(max_length=32)] = "", keywords: Words = "",
                 urgent: Annotated[str, Form(max_length=8)] = "", territorial: Annotated[str, Form(max_length=8)] = "",
                 reason: Reason = "", base: Base = None) -> Response:
    cs.require_role(user, ADMIN)
    form = {"code": code, "name": name, "parent": parent, "keywords": keywords, "urgent": _flag(urgent),
            "territorial": _flag(territorial), "reason": reason}
    try:
        _n, snap = service.current(db)
        new = service.put_category(snap, code=code.strip(), name=name.strip(), parent=parent or None, keywords=keywords,
                                   urgent=_flag(urgent), territorial=_flag(territorial), create=True)
        row = service.commit(db, actor=user, snapshot=new, reason=reason, base=base, change=f"category.add {code}")
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _categories(request, db, user, status_code=exc.status_code, error=exc, form=form)
    return _done("/admin/catalogue/categories", row, f"已新增分类 {code.strip()}", f"Category {code.strip()} added")


@router.post("/admin/catalogue/categories/{code}")
def edit_category(request: Request, code: str, db: SessionDep, user: PageUser, name: Short = "",
                  parent: Annotated[str, Form(max_length=32)] = "", keywords: Words = "",
                  urgent: Annotated[str, Form(max_length=8)] = "", territorial: Annotated[str, Form(max_length=8)] = "",
                  reason: Reason = "", base: Base = None) -> Response:
    cs.require_role(user, ADMIN)
    code = code[:32]
    try:
        _n, snap = service.current(db)
        new = service.put_category(snap, code=code, name=name.strip() or None, parent=parent or None, keywords=keywords,
                                   urgent=_flag(urgent), territorial=_flag(territorial))
        row = service.commit(db, actor=user, snapshot=new, reason=reason, base=base, change=f"category.edit {code}")
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _categories(request, db, user, status_code=exc.status_code, error=exc, edit=code)
    return _done("/admin/catalogue/categories", row, f"已修改分类 {code}", f"Category {code} changed")


@router.post("/admin/catalogue/categories/{code}/{what}")
def retire_or_restore(request: Request, code: str, what: str, db: SessionDep, user: PageUser, reason: Reason = "",
                      base: Base = None) -> Response:
    cs.require_role(user, ADMIN)
    if what not in ("retire", "restore"):
        raise NotFound("not_found", "页面不存在", "not found")
    code = code[:32]
    try:
        _n, snap = service.current(db)
        row = service.commit(db, actor=user, snapshot=service.set_retired(snap, code, what == "retire"), reason=reason,
                             base=base, change=f"category.{what} {code}")
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _categories(request, db, user, status_code=exc.status_code, error=exc, edit=code)
    zh, en = ("已停用", "retired") if what == "retire" else ("已恢复", "restored")
    return _done("/admin/catalogue/categories", row, f"分类 {code} {zh}", f"Category {code} {en}")


# ---------------------------------------------------------------- versions


@router.get("/admin/catalogue/versions")
def versions(request: Request, db: SessionDep, user: PageUser, city: Annotated[str, Query(max_length=64)] = "") -> Response:
    cs.require_role(user, READERS)
    if (pick := _pick_city(request, db, "/admin/catalogue/versions")) is not None:
        return pick
    with service.reading(db, city):
        return render(request, "admin_catalogue_versions.html", {
            "rows": service.versions(db), "number": service.current_number(db), "can_edit": user.role == "admin"})


@router.get("/admin/catalogue/diff")
def compare(request: Request, db: SessionDep, user: PageUser, a: Annotated[int, Query(alias="from", ge=0, le=10_000_000)] = 0,
            b: Annotated[int | None, Query(alias="to", ge=0, le=10_000_000)] = None, city: Annotated[str, Query(max_length=64)] = "") -> Response:
    cs.require_role(user, READERS)
    if (pick := _pick_city(request, db, "/admin/catalogue/versions")) is not None:
        return pick
    with service.reading(db, city):
        na, sa = service.version(db, a)
        nb, sb = service.version(db, b) if b is not None else service.current(db)
        return _diff_page(request, db, a=na, b=nb, sa=sa, sb=sb, title="版本比较")


@router.post("/admin/catalogue/rollback")
def rollback(request: Request, db: SessionDep, user: PageUser, to: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
             reason: Reason = "", base: Base = None) -> Response:
    cs.require_role(user, ADMIN)
    try:
        row = service.rollback(db, actor=user, to=to, reason=reason, base=base)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return render(request, "admin_catalogue_versions.html", {
            "rows": service.versions(db), "number": service.current_number(db), "can_edit": True, "error": exc},
            status_code=exc.status_code)
    return _done("/admin/catalogue/versions", row, f"已回滚到第{to}版", f"Rolled back to version {to}")
