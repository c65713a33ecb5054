"""People administration: the writes (``do_*``), each audited with before and after.

A city administrator manages the people of their own city: tenancy scopes every query here to
the acting city, so a user of another city is simply not found (404).  Usernames are unique across
the province.  Each flow runs in the caller's transaction and adds its ``AuditLog`` row; the caller
commits once (``commit_or_conflict``).  Disabling a user ends their sessions and revokes their
tokens in the same transaction, so both stop at once (and ``load_session``/``load_api_token``
refuse an inactive user besides).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, NotFound
from hotline.org import totp
from hotline.org.audit import record
from hotline.org.auth import hash_password, issue_api_token, verify_password
from hotline.org.models import ApiToken, LoginSession, Unit, User
from hotline.org.passwords import check_password

#: the roles a city administrator may give (the provincial ones belong to the province's office)
CITY_ROLES: tuple[str, ...] = tuple(r.value for r in Role if not r.value.startswith("province_"))
TOKEN_SCOPES = {"read": "只读", "write": "读写"}
MAX_TOKEN_DAYS = 730


def snapshot(user: User) -> dict[str, Any]:
    """What the audit row shows of a user (never the password hash or the TOTP secret)."""
    return {"username": user.username, "name": user.name, "role": user.role,
            "unit": user.unit.code if user.unit else None, "active": user.active,
            "must_change_password": user.must_change_password, "totp_enabled": user.totp_enabled}


def get_user(db: Session, *, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("user_not_found", f"找不到用户：{username}", f"user not found: {username}")
    return user


def get_user_by_id(db: Session, *, user_id: int) -> User:
    user = db.scalar(select(User).where(User.id == user_id))
    if user is None:
        raise NotFound("user_not_found", "找不到该用户", "user not found")
    return user


def _unit(db: Session, code: str) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.code == code, Unit.active.is_(True)))
    if unit is None:
        raise BadRequest("unit_not_found", f"找不到单位：{code}", f"unit not found: {code}")
    return unit


def _role(role: str) -> str:
    if role not in CITY_ROLES:
        raise BadRequest("role_invalid", f"无效的角色：{role}", f"not a role a city administrator may give: {role}")
    return role


def _end_all_sessions(db: Session, user: User) -> int:
    res = db.execute(delete(LoginSession).where(LoginSession.user_id == user.id)
                     .execution_options(synchronize_session=False))
    return int(getattr(res, "rowcount", 0) or 0)


def do_create_user(db: Session, *, actor: User, username: str, name: str, role: str, unit_code: str,
                   password: str) -> User:
    """A new person of the acting city; they choose their own password at the first login."""
    username, name = username.strip(), name.strip()
    if not username or not name:
        raise BadRequest("user_fields_required", "用户名和姓名必填", "username and name are required")
    if not all(c.isalnum() or c in "._-" for c in username) or not username.isascii():
        raise BadRequest("username_invalid", "用户名只能包含字母、数字和 . _ -",
                         "a username may contain only letters, digits and . _ -")
    taken = db.scalar(select(func.count()).select_from(User).where(func.lower(User.username) == username.lower())
                      .execution_options(all_cities=True))
    if taken:  # unique across the province: one login page for every city
        raise Conflict("username_taken", f"用户名已被使用：{username}", f"username already taken: {username}")
    check_password(password, username=username)
    user = User(username=username, name=name, role=_role(role), unit=_unit(db, unit_code),
                password_hash=hash_password(password), must_change_password=True)
    db.add(user)
    db.flush()
    record(db, actor=actor, action="user.create", entity="user", entity_id=username, before={},
           after=snapshot(user))
    return user


def do_update_user(db: Session, *, actor: User, user: User, name: str | None = None, role: str | None = None,
                   unit_code: str | None = None) -> User:
    before = snapshot(user)
    if role is not None and role != user.role:
        if user.id == actor.id:
            raise BadRequest("cannot_change_own_role", "不能修改自己的角色", "you may not change your own role")
        user.role = _role(role)
        if user.role not in totp.ROLES and user.totp_enabled:  # the factor belongs to the roles that may have it
            user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, None
    if name is not None and name.strip() and name.strip() != user.name:
        user.name = name.strip()
    if unit_code is not None and (user.unit is None or unit_code != user.unit.code):
        user.unit = _unit(db, unit_code)
    after = snapshot(user)
    if after != before:
        record(db, actor=actor, action="user.update", entity="user", entity_id=user.username, before=before,
               after=after)
    return user


def do_set_active(db: Session, *, actor: User, user: User, active: bool) -> dict[str, int]:
    """Disable (ending every session and revoking every token at once) or re-enable a user."""
    if user.id == actor.id and not active:
        raise BadRequest("cannot_disable_self", "不能停用自己的账号", "you may not disable your own account")
    before = snapshot(user)
    ended = revoked = 0
    user.active = active
    if not active:
        ended = _end_all_sessions(db, user)
        for tok in db.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))):
            tok.revoked = True
            revoked += 1
    record(db, actor=actor, action="user.enable" if active else "user.disable", entity="user",
           entity_id=user.username, before=before, after=snapshot(user), sessions_ended=ended, tokens_revoked=revoked)
    return {"sessions_ended": ended, "tokens_revoked": revoked}


def do_reset_password(db: Session, *, actor: User, user: User, password: str) -> None:
    """A temporary password the administrator hands over; the person must choose a new one at the
    next login.  Their sessions end."""
    check_password(password, username=user.username)
    before = snapshot(user)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    ended = _end_all_sessions(db, user)
    record(db, actor=actor, action="user.password_reset", entity="user", entity_id=user.username,
           before=before, after=snapshot(user), sessions_ended=ended)


def do_change_password(db: Session, *, user: User, current: str, new: str, keep_session: str | None) -> None:
    """The person's own change (also the forced one after a reset): their other sessions end."""
    if not verify_password(user.password_hash, current):
        raise BadRequest("password_wrong", "当前密码不正确", "the current password is wrong")
    if current == new:
        raise BadRequest("password_unchanged", "新密码不能与当前密码相同", "the new password must differ from the current one")
    check_password(new, username=user.username)
    before = snapshot(user)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    q = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_session:
        q = q.where(LoginSession.id != keep_session)
    db.execute(q.execution_options(synchronize_session=False))
    record(db, actor=user, action="user.password_change", entity="user", entity_id=user.username,
           before=before, after=snapshot(user))


def active_sessions(db: Session, *, user: User, now: datetime | None = None) -> list[LoginSession]:
    return list(db.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                       LoginSession.expires_at > (now or utcnow()))
                           .order_by(LoginSession.created_at.desc())))


def do_end_sessions(db: Session, *, actor: User, user: User, session_id: str | None = None) -> int:
    """End one session of the user (by its id) or all of them; the person must log in again."""
    q = delete(LoginSession).where(LoginSession.user_id == user.id)
    if session_id:
        q = q.where(LoginSession.id == session_id)
    res = db.execute(q.execution_options(synchronize_session=False))
    n = int(getattr(res, "rowcount", 0) or 0)
    record(db, actor=actor, action="user.sessions_end", entity="user", entity_id=user.username,
           ended=n, which="one" if session_id else "all")
    return n


def tokens_of(db: Session, *, user: User) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def do_create_token(db: Session, *, actor: User, user: User, name: str, scope: str = "write",
                    expires_days: int | None = None, now: datetime | None = None) -> tuple[str, ApiToken]:
    """A token for one integration, acting as ``user``; the token itself is returned once, only its hash kept."""
    name = name.strip()
    if not name:
        raise BadRequest("token_name_required", "请填写令牌用途", "name what the token is for")
    if scope not in TOKEN_SCOPES:
        raise BadRequest("token_scope_invalid", "令牌权限只能是只读或读写", "a token's scope is read or write")
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise BadRequest("token_expiry_invalid", f"有效期须为1至{MAX_TOKEN_DAYS}天",
                         f"expiry must be 1 to {MAX_TOKEN_DAYS} days")
    if not user.active:
        raise BadRequest("user_inactive", "该用户已停用", "that user is disabled")
    expires_at = (now or utcnow()) + timedelta(days=expires_days) if expires_days else None
    token, row = issue_api_token(db, user, name, scope=scope, expires_at=expires_at)
    db.flush()
    record(db, actor=actor, action="token.create", entity="token", entity_id=row.id, before={},
           after={"user": user.username, "name": name, "scope": scope,
                  "expires_at": row.expires_at.isoformat() if row.expires_at else None})
    return token, row


def do_revoke_token(db: Session, *, actor: User, token_id: int) -> ApiToken:
    row = db.scalar(select(ApiToken).where(ApiToken.id == token_id))
    if row is None:
        raise NotFound("token_not_found", "找不到该令牌", "token not found")
    if not row.revoked:
        row.revoked = True
        record(db, actor=actor, action="token.revoke", entity="token", entity_id=row.id,
               before={"revoked": False}, after={"revoked": True}, user=row.user.username, name=row.name)
    return row


def do_start_totp(db: Session, *, user: User) -> str:
    """A new secret for the person's own enrolment (not yet in force)."""
    if not totp.may_enrol(user):
        raise BadRequest("totp_not_for_role", "只有系统管理员和领导可以启用两步验证",
                         "only administrators and leaders may use a second factor")
    if user.totp_enabled:
        raise Conflict("totp_already_enabled", "两步验证已启用", "the second factor is already enabled")
    user.totp_secret, user.totp_last_step = totp.new_secret(), None
    return user.totp_secret


def do_enable_totp(db: Session, *, user: User, code: str, now: datetime | None = None) -> None:
    if not user.totp_secret or user.totp_enabled:
        raise BadRequest("totp_not_started", "请先生成二维码", "start the enrolment first")
    if not totp.accept(user, user.totp_secret, code, now=now or utcnow()):
        raise BadRequest("totp_code_wrong", "动态验证码不正确", "the code is wrong")
    before = snapshot(user)
    user.totp_enabled = True
    record(db, actor=user, action="user.totp_enable", entity="user", entity_id=user.username,
           before=before, after=snapshot(user))


def do_disable_totp(db: Session, *, actor: User, user: User) -> None:
    """Remove the second factor: the person themselves, or an administrator (a lost phone)."""
    before = snapshot(user)
    user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, None
    record(db, actor=actor, action="user.totp_disable", entity="user", entity_id=user.username,
           before=before, after=snapshot(user))


def list_users(db: Session, *, q: str | None = None, role: str | None = None,
               active: bool | None = None) -> list[tuple[User, int]]:
    """The acting city's people (every city's for the province), with their active session counts."""
    stmt = select(User).order_by(User.username)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(User.username.ilike(like) | User.name.ilike(like))
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    users = list(db.scalars(stmt))
    counts = dict(db.execute(select(LoginSession.user_id, func.count()).where(LoginSession.expires_at > utcnow())
                             .group_by(LoginSession.user_id)).all())
    return [(u, int(counts.get(u.id, 0))) for u in users]
