"""The people administration API (``/api/v1/admin``): the same flows as the console's 管理 pages.

Writes need the ``admin`` role; reads also the ``province_admin`` (every city, read-only: its writes
are refused before this by ``org.deps``).  Tenancy scopes every query to the acting city, so an
administrator of one city finds no user of another (404).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.org import audit, people
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.org.models import ApiToken, LoginSession, User
from hotline.validation import DbId, Limit, Moment, MomentEnd

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
WRITE = [require_roles(Role.admin)]
READ = [require_roles(Role.admin, Role.province_admin)]
Username = Annotated[str, Field(min_length=1, max_length=64)]


def present_user(u: User, *, sessions: int | None = None) -> dict[str, Any]:
    return {"username": u.username, "name": u.name, "role": u.role, "unit": u.unit.code if u.unit else None,
            "unit_name": u.unit.name if u.unit else None, "active": u.active, "city": u.city.code if u.city else None,
            "must_change_password": u.must_change_password, "totp_enabled": u.totp_enabled,
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            "created_at": u.created_at.isoformat() if u.created_at else None,
            **({"active_sessions": sessions} if sessions is not None else {})}


def present_session(s: LoginSession) -> dict[str, Any]:
    return {"id": s.id, "created_at": s.created_at.isoformat(), "expires_at": s.expires_at.isoformat(), "ip": s.ip}


def present_token(t: ApiToken) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "scope": t.scope, "revoked": t.revoked, "user": t.user.username,
            "created_at": t.created_at.isoformat() if t.created_at else None,
            "expires_at": t.expires_at.isoformat() if t.expires_at else None,
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None}


class UserCreate(BaseModel):
    username: Username
    name: str = Field(min_length=1, max_length=64)
    role: str = Field(max_length=32)
    unit: str = Field(min_length=1, max_length=64, description="the unit's code")
    password: str = Field(min_length=1, max_length=256, description="initial password; changed at first login")


class UserPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    role: str | None = Field(default=None, max_length=32)
    unit: str | None = Field(default=None, min_length=1, max_length=64)


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=256, description="temporary; the person chooses a new one at login")


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="the integration it is for, e.g. 'IVR'")
    scope: Literal["read", "write"] = "write"
    expires_days: int | None = Field(default=None, ge=1, le=people.MAX_TOKEN_DAYS)


@router.get("/users", summary="人员列表 · list users (admin)", dependencies=READ)
def list_users(db: SessionDep, user: CurrentUser, q: Annotated[str | None, Query(max_length=64)] = None,
               role: Annotated[str | None, Query(max_length=32)] = None,
               active: bool | None = None) -> list[dict[str, Any]]:
    return [present_user(u, sessions=n) for u, n in people.list_users(db, q=q, role=role, active=active)]


@router.post("/users", status_code=201, summary="新建人员 · create a user (admin)", dependencies=WRITE)
def create_user(body: UserCreate, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.do_create_user(db, actor=user, username=body.username, name=body.name, role=body.role,
                              unit_code=body.unit, password=body.password)
    commit_or_conflict(db)
    return present_user(u)


@router.get("/users/{username}", summary="人员详情 · a user, sessions and tokens (admin)", dependencies=READ)
def get_user(username: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.get_user(db, username=username)
    sessions = people.active_sessions(db, user=u)
    return {**present_user(u, sessions=len(sessions)), "sessions": [present_session(s) for s in sessions],
            "tokens": [present_token(t) for t in people.tokens_of(db, user=u)]}


@router.patch("/users/{username}", summary="修改人员 · change name, role or unit (admin)", dependencies=WRITE)
def patch_user(username: str, body: UserPatch, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.do_update_user(db, actor=user, user=people.get_user(db, username=username), name=body.name,
                              role=body.role, unit_code=body.unit)
    commit_or_conflict(db)
    return present_user(u)


@router.post("/users/{username}/disable", summary="停用 · disable: sessions and tokens stop at once (admin)",
             dependencies=WRITE)
def disable_user(username: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.get_user(db, username=username)
    counts = people.do_set_active(db, actor=user, user=u, active=False)
    commit_or_conflict(db)
    return {**present_user(u), **counts}


@router.post("/users/{username}/enable", summary="启用 · re-enable (admin)", dependencies=WRITE)
def enable_user(username: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.get_user(db, username=username)
    people.do_set_active(db, actor=user, user=u, active=True)
    commit_or_conflict(db)
    return present_user(u)


@router.post("/users/{username}/password-reset", summary="重置密码 · temporary password, new one at login (admin)",
             dependencies=WRITE)
def reset_password(username: str, body: PasswordReset, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.get_user(db, username=username)
    people.do_reset_password(db, actor=user, user=u, password=body.password)
    commit_or_conflict(db)
    return present_user(u)


@router.post("/users/{username}/totp-reset", summary="解除两步验证 · remove a lost second factor (admin)",
             dependencies=WRITE)
def reset_totp(username: str, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    u = people.get_user(db, username=username)
    people.do_disable_totp(db, actor=user, user=u)
    commit_or_conflict(db)
    return present_user(u)


@router.get("/users/{username}/sessions", summary="登录会话 · active sessions (admin)", dependencies=READ)
def list_sessions(username: str, db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [present_session(s) for s in people.active_sessions(db, user=people.get_user(db, username=username))]


@router.delete("/users/{username}/sessions", summary="结束会话 · end all sessions, or one by id (admin)",
               dependencies=WRITE)
def end_sessions(username: str, db: SessionDep, user: CurrentUser,
                 session_id: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, int]:
    n = people.do_end_sessions(db, actor=user, user=people.get_user(db, username=username), session_id=session_id)
    commit_or_conflict(db)
    return {"ended": n}


@router.get("/users/{username}/tokens", summary="接口令牌 · a user's API tokens (admin)", dependencies=READ)
def list_tokens(username: str, db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [present_token(t) for t in people.tokens_of(db, user=people.get_user(db, username=username))]


@router.post("/users/{username}/tokens", status_code=201,
             summary="创建接口令牌 · a token for one integration, with scope and expiry, shown once (admin)",
             dependencies=WRITE)
def create_token(username: str, body: TokenCreate, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    token, row = people.do_create_token(db, actor=user, user=people.get_user(db, username=username),
                                        name=body.name, scope=body.scope, expires_days=body.expires_days)
    commit_or_conflict(db)
    return {"token": token, **present_token(row)}


@router.delete("/tokens/{token_id}", summary="吊销令牌 · revoke a token (admin)", dependencies=WRITE)
def revoke_token(token_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    row = people.do_revoke_token(db, actor=user, token_id=token_id)
    commit_or_conflict(db)
    return present_token(row)


def _filter(actor: str | None, entity: str | None, entity_id: str | None, action: str | None,
            since: Any, until: Any) -> audit.AuditFilter:
    return audit.AuditFilter(actor=actor or None, entity=entity or None, entity_id=entity_id or None,
                             action=action or None, since=since, until=until)


AuditQ = Annotated[str | None, Query(max_length=64)]


@router.get("/audit", summary="审计日志 · filter by actor, object and time (admin)", dependencies=READ)
def audit_log(db: SessionDep, user: CurrentUser, actor: AuditQ = None, entity: AuditQ = None,
              entity_id: AuditQ = None, action: AuditQ = None, since: Moment | None = None,
              until: MomentEnd | None = None, limit: Limit = 200) -> list[dict[str, Any]]:
    f = _filter(actor, entity, entity_id, action, since, until)
    return [audit.present(r) for r in audit.search(db, f, limit=limit)]


@router.get("/audit/export", summary="导出审计日志 · the filtered log as csv or xlsx (admin)", dependencies=READ)
def audit_export(db: SessionDep, user: CurrentUser, actor: AuditQ = None, entity: AuditQ = None,
                 entity_id: AuditQ = None, action: AuditQ = None, since: Moment | None = None,
                 until: MomentEnd | None = None, format: Literal["csv", "xlsx"] = "csv") -> Response:
    content, media, name = audit.export(db, _filter(actor, entity, entity_id, action, since, until), format)
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
