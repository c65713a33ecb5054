"""API for sessions, tokens, units and categories."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.org import people
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.org.models import Category, Unit

router = APIRouter(prefix="/api/v1", tags=["org"])


@router.get("/me", summary="当前用户 · who am I")
def me(user: CurrentUser) -> dict[str, Any]:
    return {"username": user.username, "name": user.name, "role": user.role,
            "unit": {"code": user.unit.code, "name": user.unit.name, "type": user.unit.type}}


@router.get("/units", summary="单位 · the unit tree and dispatch catalogue")
def units(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    parents = {u.id: u.code for u in db.scalars(select(Unit))}
    return [{"code": u.code, "name": u.name, "type": u.type, "parent": parents.get(u.parent_id or -1),
             "duties": u.duties, "keywords": u.keywords, "categories": u.categories}
            for u in db.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))]


@router.get("/categories", summary="分类 · the three-level category taxonomy")
def categories(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [{"code": c.code, "name": c.name, "parent": c.parent_code, "level": c.level, "path": c.path,
             "territorial": c.territorial} for c in db.scalars(select(Category).order_by(Category.code))]


class TokenIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64, description="What the token is for, e.g. 'IVR'")
    scope: Literal["read", "write"] = "write"
    expires_days: int | None = Field(default=None, ge=1, le=people.MAX_TOKEN_DAYS)


@router.post("/tokens", status_code=201, summary="创建接口令牌 · create an API token (admin)",
             dependencies=[require_roles(Role.admin)])
def create_token(body: TokenIn, db: SessionDep, user: CurrentUser) -> dict[str, str]:
    """Kept for existing scripts; ``POST /api/v1/admin/users/{username}/tokens`` is the same flow."""
    target = people.get_user(db, username=body.username)
    token, _row = people.do_create_token(db, actor=user, user=target, name=body.name, scope=body.scope,
                                         expires_days=body.expires_days)
    commit_or_conflict(db)
    return {"token": token, "username": target.username, "name": body.name}
