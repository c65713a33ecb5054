"""The dispatch catalogue API (``/api/v1/admin/catalogue``): read, edit, compare, roll back, import, export.

Reads: ``admin`` and ``province_admin`` (whose writes ``org.deps`` refuses before this, 403); writes:
``admin``.  Every write needs a ``reason`` and makes one new version; routing uses it at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hotline.catalogue import service, spreadsheet
from hotline.catalogue.models import CatalogueVersion
from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.errors import TooLarge
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.routing.service import forget_catalogue

router = APIRouter(prefix="/api/v1/admin/catalogue", tags=["admin"])
WRITE = [require_roles(Role.admin)]
READ = [require_roles(Role.admin, Role.province_admin)]
MAX_FILE = 5 * 1024 * 1024
Code = Annotated[str, Field(min_length=1, max_length=32)]
UnitCode = Annotated[str, Field(min_length=1, max_length=64)]
Reason = Annotated[str, Field(min_length=1, max_length=service.REASON_MAX, description="why (required)")]
Words = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=service.MAX_KEYWORDS)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CategoryIn(_In):
    code: Code
    name: str = Field(min_length=1, max_length=service.NAME_MAX)
    parent: Code | None = None
    keywords: Words = []
    urgent: bool = False
    territorial: bool = False
    reason: Reason
    base: int | None = Field(None, ge=0, description="the version this change was made from (409 if another came since)")


class CategoryPatch(_In):
    name: str | None = Field(None, min_length=1, max_length=service.NAME_MAX)
    parent: Code | None = Field(None, description="move under this category; null: to the top (only when given)")
    keywords: Words | None = None
    urgent: bool | None = None
    territorial: bool | None = None
    reason: Reason
    base: int | None = Field(None, ge=0)


class ReasonIn(_In):
    reason: Reason
    base: int | None = Field(None, ge=0)


class EntryIn(_In):
    category: Code
    territory: UnitCode | None = Field(None, description="a street/township code; none: everywhere")
    lead: UnitCode
    co_units: Annotated[list[UnitCode], Field(max_length=service.MAX_CO_UNITS)] = []
    keywords: Words = []
    reason: Reason
    base: int | None = Field(None, ge=0)


class EntryKey(_In):
    category: Code
    territory: UnitCode | None = None
    reason: Reason
    base: int | None = Field(None, ge=0)


class RollbackIn(_In):
    to: int = Field(ge=0, le=10_000_000)
    reason: Reason
    base: int | None = Field(None, ge=0)


def present_version(v: CatalogueVersion) -> dict[str, Any]:
    return {"number": v.number, "created_at": v.created_at.isoformat(), "actor": v.actor_label, "reason": v.reason,
            "kind": v.kind, "summary": v.summary}


def _saved(db: SessionDep, row: CatalogueVersion) -> dict[str, Any]:
    commit_or_conflict(db)
    forget_catalogue()
    return present_version(row)


@router.get("", summary="派单目录 · the current catalogue (categories and entries)", dependencies=READ)
def current(db: SessionDep, user: CurrentUser, city: Annotated[str | None, Query(max_length=64, description="a provincial reader names the city")] = None) -> dict[str, Any]:
    with service.reading(db, city):
        number, snap = service.current(db)
    return {"version": number, **snap}


@router.get("/versions", summary="派单目录版本 · every version, newest first", dependencies=READ)
def versions(db: SessionDep, user: CurrentUser, city: Annotated[str | None, Query(max_length=64, description="a provincial reader names the city")] = None) -> list[dict[str, Any]]:
    with service.reading(db, city):
        return [present_version(v) for v in service.versions(db)]


@router.get("/versions/{number}", summary="派单目录某一版 · one version's catalogue", dependencies=READ)
def one_version(number: Annotated[int, Path(ge=0, le=10_000_000)], db: SessionDep, user: CurrentUser,
                city: Annotated[str | None, Query(max_length=64, description="a provincial reader names the city")] = None) -> dict[str, Any]:
    with service.reading(db, city):
        n, snap = service.version(db, number)
    return {"version": n, **snap}


@router.get("/diff", summary="比较两版 · entries and categories added, removed, changed", dependencies=READ)
def compare(db: SessionDep, user: CurrentUser, a: Annotated[int, Query(alias="from", ge=0, le=10_000_000)],
            b: Annotated[int | None, Query(alias="to", ge=0, le=10_000_000)] = None,
            city: Annotated[str | None, Query(max_length=64, description="a provincial reader names the city")] = None) -> dict[str, Any]:
    with service.reading(db, city):
        _na, sa = service.version(db, a)
        nb, sb = service.version(db, b) if b is not None else service.current(db)
    d = service.diff(sa, sb)
    return {"from": a, "to": nb, "summary": service.counts(d), **d}


@router.post("/categories", status_code=201, summary="新增分类 · add a category (admin)", dependencies=WRITE)
def add_category(body: CategoryIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _n, snap = service.current(db)
    new = service.put_category(snap, code=body.code, name=body.name, parent=body.parent, keywords=body.keywords,
                               urgent=body.urgent, territorial=body.territorial, create=True)
    return _saved(db, service.commit(db, actor=user, snapshot=new, reason=body.reason, base=body.base,
                                     change=f"category.add {body.code}"))


@router.patch("/categories/{code}", summary="修改或移动分类 · rename, move, keywords, urgent, territorial (admin)",
              dependencies=WRITE)
def edit_category(code: Annotated[str, Path(max_length=32)], body: CategoryPatch, db: SessionDep,
                  user: CurrentUser) -> dict[str, Any]:
    _n, snap = service.current(db)
    parent: str | None | bool = body.parent if "parent" in body.model_fields_set else False
    new = service.put_category(snap, code=code, name=body.name, parent=parent, keywords=body.keywords,
                               urgent=body.urgent, territorial=body.territorial)
    return _saved(db, service.commit(db, actor=user, snapshot=new, reason=body.reason, base=body.base,
                                     change=f"category.edit {code}"))


@router.post("/categories/{code}/retire", summary="停用分类 · retire a category and its subtree (admin)",
             dependencies=WRITE)
def retire(code: Annotated[str, Path(max_length=32)], body: ReasonIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _n, snap = service.current(db)
    return _saved(db, service.commit(db, actor=user, snapshot=service.set_retired(snap, code, True), reason=body.reason,
                                     base=body.base, change=f"category.retire {code}"))


@router.post("/categories/{code}/restore", summary="恢复分类 · restore a retired category (admin)", dependencies=WRITE)
def restore(code: Annotated[str, Path(max_length=32)], body: ReasonIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _n, snap = service.current(db)
    return _saved(db, service.commit(db, actor=user, snapshot=service.set_retired(snap, code, False), reason=body.reason,
                                     base=body.base, change=f"category.restore {code}"))


@router.put("/entries", summary="保存目录条目 · category × territory → lead, co-units, keywords (admin)",
            dependencies=WRITE)
def put_entry(body: EntryIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _n, snap = service.current(db)
    new = service.put_entry(snap, body.model_dump(exclude={"reason", "base"}))
    return _saved(db, service.commit(db, actor=user, snapshot=new, reason=body.reason, base=body.base,
                                     change=f"entry.put {body.category}@{body.territory or '*'}"))


@router.post("/entries/remove", summary="删除目录条目 · remove an entry (admin)", dependencies=WRITE)
def remove_entry(body: EntryKey, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    _n, snap = service.current(db)
    new = service.remove_entry(snap, body.category, body.territory)
    return _saved(db, service.commit(db, actor=user, snapshot=new, reason=body.reason, base=body.base,
                                     change=f"entry.remove {body.category}@{body.territory or '*'}"))


@router.post("/rollback", summary="回滚 · a new version equal to an old one (admin)", dependencies=WRITE)
def rollback(body: RollbackIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _saved(db, service.rollback(db, actor=user, to=body.to, reason=body.reason, base=body.base))


@router.get("/export", summary="导出目录 · the entries as CSV or xlsx", dependencies=READ)
def export(db: SessionDep, user: CurrentUser, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
           version: Annotated[int | None, Query(ge=0, le=10_000_000)] = None, city: Annotated[str | None, Query(max_length=64, description="a provincial reader names the city")] = None) -> Response:
    with service.reading(db, city):
        number, snap = service.version(db, version) if version is not None else service.current(db)
        content, media, name = spreadsheet.export(db, snap, number, format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def read_upload(file: UploadFile) -> bytes:
    data = file.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise TooLarge("file_too_large", "文件不能超过5MB", "files may be at most 5 MB", field="file")
    return data


@router.post("/import", summary="导入目录 · preview the diff (dry_run) or make one version (admin)",
             dependencies=WRITE)
def import_file(db: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()],
                reason: Annotated[str, Form(max_length=service.REASON_MAX)] = "",
                dry_run: Annotated[bool, Form()] = True,
                base: Annotated[int | None, Form(ge=0, le=10_000_000)] = None) -> dict[str, Any]:
    number, snap = service.current(db)
    new = spreadsheet.read(db, read_upload(file), file.filename or "upload.csv", snap)
    d = service.diff(snap, service.check(db, new))
    if dry_run:
        return {"version": number, "summary": service.counts(d), **d}
    row = service.commit(db, actor=user, snapshot=new, reason=reason, kind="import", base=base,
                         file=(file.filename or "")[:200])
    return _saved(db, row)
