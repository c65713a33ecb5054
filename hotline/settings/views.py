"""The live settings API (``/api/v1/admin/settings/{sla|kpi|hotspots}``): the same flows as the 管理 screens
(``hotspots``, a block its package writes: read, compare and roll back only).

Only a city's ``admin`` may read or write them (the provincial administrator acts for no one city:
403, like every other role).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hotline.city.models import SettingsVersion
from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.settings import flows
from hotline.validation import DbInt

router = APIRouter(prefix="/api/v1/admin/settings", tags=["admin"], dependencies=[require_roles(Role.admin)])
Reason = Annotated[str, Field(min_length=1, max_length=flows.MAX_REASON)]


class SaveIn(BaseModel):
    body: dict[str, Any] = Field(description="the block, as under sla: / kpi: in the city file")
    reason: Reason


class RollbackIn(BaseModel):
    to_version: int = Field(ge=0, le=2**31 - 1, description="the version to restore (0: the city file's block)")
    reason: Reason


class CalendarIn(BaseModel):
    year: int = Field(ge=2000, le=2999)
    holidays: list[str] = Field(default_factory=list, max_length=120, description="days off, 2027-01-01 …")
    workdays: list[str] = Field(default_factory=list, max_length=60, description="make-up working days (调休)")
    reason: Reason


def present(v: SettingsVersion, *, body: bool = False) -> dict[str, Any]:
    return {"version": v.version, "block": v.block, "author": v.author_label, "reason": v.reason,
            "rolled_back_from": v.rolled_back_from, "created_at": v.created_at.isoformat(),
            **({"body": v.body} if body else {})}


def _effect(eff: flows.Effect) -> dict[str, Any]:
    return {"version": eff.version, "would_change": len(eff.moved), "kept": len(eff.kept), "unchanged": eff.same,
            "orders": [{"number": m.order.number, "before": [x.isoformat() if x else None for x in m.old],
                        "after": [x.isoformat() for x in m.new]} for m in eff.moved[:200]]}


@router.get("/{block}", summary="设置 · the block in force (version 0: the city file's)")
def get_block(block: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    n, body = flows.current(db, flows.check_block(block))
    return {"block": block, "version": n, "body": body}


@router.put("/{block}", summary="保存新版本 · save a new version of the block (with a reason)")
def save(block: str, data: SaveIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    row = flows.do_save(db, actor=user, block=flows.check_block(block), body=data.body, reason=data.reason)
    out = present(row, body=True)
    if block == "sla":
        out["open_orders"] = _effect(flows.effect(db))
    commit_or_conflict(db)
    return out


@router.get("/{block}/versions", summary="版本历史 · every saved version, newest first")
def history(block: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return {"block": block, "versions": [present(v) for v in flows.versions(db, block)]}


@router.get("/{block}/versions/{version}", summary="一个版本 · one version with its body (0: the city file)")
def one(block: str, version: DbInt, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    flows.check_block(block)
    if version == 0:
        return {"block": block, "version": 0, "body": flows.body_of(db, block, 0)}
    return present(flows.get_version(db, block, version), body=True)


@router.get("/{block}/diff", summary="比较 · what differs between two versions")
def compare(block: str, db: SessionDep, user: CurrentUser, a: Annotated[int, Query(ge=0, le=2**31 - 1)],
            b: Annotated[int, Query(ge=0, le=2**31 - 1)]) -> dict[str, Any]:
    flows.check_block(block)
    changes = flows.diff(flows.body_of(db, block, a), flows.body_of(db, block, b))
    return {"block": block, "a": a, "b": b, "changes": [{"path": c.path, "a": c.old, "b": c.new} for c in changes]}


@router.post("/{block}/rollback", summary="回滚 · a new version equal to an old one")
def rollback(block: str, data: RollbackIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    row = flows.do_rollback(db, actor=user, block=flows.check_block(block), to_version=data.to_version,
                            reason=data.reason)
    out = present(row, body=True)
    commit_or_conflict(db)
    return out


@router.get("/sla/open-orders", summary="对在办工单的影响 · open orders that would get a different deadline")
def open_orders(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _effect(flows.effect(db))


@router.post("/sla/recompute", summary="重新计算期限 · give open orders the deadlines of the limits in force")
def recompute(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    eff = flows.do_recompute(db, actor=user)
    out = _effect(eff)
    commit_or_conflict(db)
    return {**out, "recomputed": len(eff.moved)}


@router.put("/sla/calendar", summary="节假日 · a year's official holidays and make-up workdays (a new sla version)")
def calendar(data: CalendarIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    hol = flows.parse_dates(" ".join(data.holidays), field="holidays", year=data.year)
    work = flows.parse_dates(" ".join(data.workdays), field="workdays", year=data.year)
    _, body = flows.current(db, "sla")
    row = flows.do_save(db, actor=user, block="sla", body=flows.with_year(body, data.year, hol, work),
                        reason=data.reason)
    out = {**present(row, body=True), "open_orders": _effect(flows.effect(db))}
    commit_or_conflict(db)
    return out
