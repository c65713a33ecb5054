"""The unit tree's API (``/api/v1/admin/units``): the same flows as the console's 单位 pages.

Writes need the ``admin`` role; reads also the ``province_admin`` (read-only: its writes are refused
by ``org.deps`` with 403 ``province_read_only``).  Tenancy scopes every query to the acting city,
so another city's unit is not found (404).  Previews are GETs: they change nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.units import flows, service

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
WRITE = [require_roles(Role.admin)]
READ = [require_roles(Role.admin, Role.province_admin)]
Code = Annotated[str, Field(min_length=1, max_length=flows.MAX_CODE)]
OrdersChoice = Literal["move", "stay"]
UsersChoice = Literal["move", "stay", "disable"]


class UnitCreate(BaseModel):
    code: Code = Field(description="stable code (letters, digits, - _ .); never changes")
    name: str = Field(min_length=1, max_length=flows.MAX_NAME)
    type: Literal["district", "street", "township", "community", "department", "enterprise"]
    parent: str | None = Field(default=None, max_length=flows.MAX_CODE, description="the parent unit's code")
    short_name: str | None = Field(default=None, max_length=flows.MAX_SHORT)
    duties: str = Field(default="", max_length=flows.MAX_DUTIES)
    phone: str | None = Field(default=None, max_length=flows.MAX_PHONE)


class UnitPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=flows.MAX_NAME,
                             description="a rename: the old name stays in the history")
    short_name: str | None = Field(default=None, max_length=flows.MAX_SHORT)
    duties: str | None = Field(default=None, max_length=flows.MAX_DUTIES)
    phone: str | None = Field(default=None, max_length=flows.MAX_PHONE)


class UnitMove(BaseModel):
    parent: str | None = Field(default=None, max_length=flows.MAX_CODE, description="the new parent's code; null: top")


class UnitMerge(BaseModel):
    target: Code = Field(description="the unit it is merged into")
    orders: OrdersChoice = "move"
    users: UsersChoice = "move"
    duties: bool = Field(default=True, description="its duty keywords and categories go to the target")


class UnitRetire(BaseModel):
    target: str | None = Field(default=None, max_length=flows.MAX_CODE,
                               description="where open work or people go, if anywhere")
    orders: OrdersChoice = "stay"
    users: UsersChoice = "stay"
    duties: bool = False


@router.get("/units", summary="单位树 · the unit tree (admin)", dependencies=READ)
def list_units(db: SessionDep, user: CurrentUser, include_retired: bool = True) -> list[dict[str, Any]]:
    return [service.present(db, n.unit, parent_code=n.parent_code, people=n.people) | {"depth": n.depth}
            for n in service.tree(db, include_retired=include_retired)]


@router.post("/units", status_code=201, summary="新建单位 · create a unit (admin)", dependencies=WRITE)
def create_unit(body: UnitCreate, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = flows.do_create_unit(db, actor=user, code=body.code, name=body.name, type=body.type, parent_code=body.parent,
                             short_name=body.short_name, duties=body.duties, phone=body.phone)
    commit_or_conflict(db)
    flows.forget_routing()
    return service.present(db, u)


@router.get("/units/{code}", summary="单位 · one unit with its former names (admin)", dependencies=READ)
def get_unit(code: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.present(db, flows.get_unit(db, code))


@router.patch("/units/{code}", summary="修改单位 · rename, contacts, duty text (admin)", dependencies=WRITE)
def patch_unit(code: str, body: UnitPatch, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = flows.do_update_unit(db, actor=user, unit=flows.get_unit(db, code), name=body.name,
                             short_name=body.short_name, duties=body.duties, phone=body.phone)
    commit_or_conflict(db)
    flows.forget_routing()
    return service.present(db, u)


@router.post("/units/{code}/move", summary="移动单位 · a new parent, no cycles (admin)", dependencies=WRITE)
def move_unit(code: str, body: UnitMove, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = flows.do_move_unit(db, actor=user, unit=flows.get_unit(db, code), parent_code=body.parent)
    commit_or_conflict(db)
    return service.present(db, u)


@router.get("/units/{code}/merge-preview", summary="合并预览 · what merging into the target would change (admin)",
            dependencies=READ)
def merge_preview(code: str, db: SessionDep, user: CurrentUser,
                  target: Annotated[str, Query(min_length=1, max_length=flows.MAX_CODE)],
                  orders: OrdersChoice = "move", users: UsersChoice = "move", duties: bool = True) -> dict[str, Any]:
    return flows.plan(db, kind="merge", unit=flows.get_unit(db, code), target_code=target, orders=orders,
                      users=users, duties=duties).counts()


@router.post("/units/{code}/merge", summary="合并单位 · merge into the target, in one transaction (admin)",
             dependencies=WRITE)
def merge_unit(code: str, body: UnitMerge, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    counts = flows.do_merge(db, actor=user, unit=flows.get_unit(db, code), target_code=body.target,
                            orders=body.orders, users=body.users, duties=body.duties)
    commit_or_conflict(db)
    flows.forget_routing()
    return counts


@router.get("/units/{code}/retire-preview", summary="撤销预览 · what retiring would change (admin)",
            dependencies=READ)
def retire_preview(code: str, db: SessionDep, user: CurrentUser,
                   target: Annotated[str | None, Query(max_length=flows.MAX_CODE)] = None,
                   orders: OrdersChoice = "stay", users: UsersChoice = "stay", duties: bool = False) -> dict[str, Any]:
    return flows.plan(db, kind="retire", unit=flows.get_unit(db, code), target_code=target or None, orders=orders,
                      users=users, duties=duties).counts()


@router.post("/units/{code}/retire", summary="撤销单位 · retire (active=false), open work as chosen (admin)",
             dependencies=WRITE)
def retire_unit(code: str, body: UnitRetire, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    counts = flows.do_retire(db, actor=user, unit=flows.get_unit(db, code), target_code=body.target or None,
                             orders=body.orders, users=body.users, duties=body.duties)
    commit_or_conflict(db)
    flows.forget_routing()
    return counts
