"""API for sessions, tokens, units and categories."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.city.schema import Role
from hotline.errors import BadRequest, NotFound
from hotline.org.auth import create_api_token
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.org.models import AuditLog, Category, Unit, User

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


@router.post("/tokens", status_code=201, summary="创建接口令牌 · create an API token (admin)",
             dependencies=[require_roles(Role.admin)])
def create_token(body: TokenIn, db: SessionDep, user: CurrentUser) -> dict[str, str]:
    target = db.scalar(select(User).where(User.username == body.username))
    if target is None:
        raise NotFound("user_not_found", f"找不到用户：{body.username}", f"user not found: {body.username}")
    if not target.active:
        raise BadRequest("user_inactive", "该用户已停用", "that user is disabled")
    token = create_api_token(db, target, body.name)
    db.add(AuditLog(actor_id=user.id, actor_label=user.username, action="token.create", entity="user",
                    entity_id=target.username, data={"name": body.name}))
    db.commit()
    return {"token": token, "username": target.username, "name": body.name}
