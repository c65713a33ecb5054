"""FastAPI dependencies: the database session and who is asking.

``CurrentUser`` accepts a console session cookie or an API bearer token.  For
cookie-authenticated unsafe requests the CSRF token must come back in the
``X-CSRF-Token`` header or the ``csrf_token`` form field.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.city.schema import Role
from hotline.city.tenancy import (
    CityScope,
    province_read_only,
    scope_by_code,
    scope_for_user,
    scope_of,
    set_scope,
)
from hotline.db import read_session_factory, replica_session_factory, session_factory
from hotline.errors import Forbidden, NotAuthenticated
from hotline.org.auth import load_api_token, load_session
from hotline.org.models import User
from hotline.org.usage import touch_api_token

SESSION_COOKIE = "hotline_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# the only writes of the provincial (all-cities, read-only) scope: creating a city, logging out
PROVINCE_WRITES = {"/api/v1/province/cities", "/province/cities", "/logout"}


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session; reads (GET, HEAD, OPTIONS) get one that never takes SQLite's write lock.

    Async so that the acting city it sets (from the request's credentials, ``request_scope``)
    holds for the endpoint and every dependency after it, pages without a login dependency
    (Open311, public pages) included; its database work runs in the thread pool.
    """
    db = (read_session_factory() if request.method in SAFE_METHODS else session_factory())()
    try:
        set_scope(await run_in_threadpool(request_scope, request, db))
        yield db
    finally:
        await run_in_threadpool(_end, db)


def _end(db: Session) -> None:
    db.rollback()
    db.close()


def request_scope(request: Request, db: Session) -> CityScope | None:
    """The city a request acts for, from its credentials (bearer token, Open311 ``api_key``,
    console session); for an anonymous Open311 request its ``jurisdiction_id``; else None (the
    home city).  Bad credentials are not refused here: ``_load_user`` / Open311 do that."""
    scope: CityScope | None = None
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.query_params.get("api_key", "")
    cookie = request.cookies.get(SESSION_COOKIE)
    if key:
        tok = load_api_token(db, key.strip())
        scope = scope_for_user(tok.user) if tok is not None else None
    elif cookie:
        sess = load_session(db, cookie)
        user = db.get(User, sess.user_id, execution_options={"all_cities": True}) if sess else None
        scope = scope_for_user(user) if user is not None and user.active else None
    elif request.url.path.startswith("/open311/") and request.query_params.get("jurisdiction_id"):
        scope = scope_by_code(db, request.query_params["jurisdiction_id"])
    if key or cookie:
        db.commit()  # end the read before the endpoint starts its own
    return scope


SessionDep = Annotated[Session, Depends(get_db)]


async def get_replica_db(request: Request, primary: SessionDep) -> AsyncIterator[Session]:
    """For pages whose figures may be a few seconds old (dashboards, rankings, reports, exports,
    order search): a session on the read replica when one is configured and caught up, else the
    request's own session.  Logins, sessions and scope are always read on the primary (``get_db``
    runs first); the replica session only serves the endpoint's own reads."""
    factory = await run_in_threadpool(replica_session_factory)
    if factory is None:
        request.state.read_from = "primary"
        yield primary
        return
    request.state.read_from = "replica"
    db = factory()
    try:
        yield db
    finally:
        await run_in_threadpool(_end, db)


#: a read that may go to the replica (see ``get_replica_db``)
ReplicaSessionDep = Annotated[Session, Depends(get_replica_db)]
#: what a person whose password was reset may still open before choosing a new one
PASSWORD_CHANGE_PATHS = {"/account/password", "/logout", "/api/v1/me"}


def password_change_required() -> Forbidden:
    """The session of a person whose password an administrator reset: pages redirect to the form."""
    return Forbidden("password_change_required", "管理员已重置您的密码，请先设置新密码",
                     "an administrator reset your password; choose a new one first")


async def _form_csrf(request: Request) -> str | None:
    ctype = request.headers.get("content-type", "")
    if "form" not in ctype:
        return None
    form = await request.form()
    value = form.get("csrf_token")
    return value if isinstance(value, str) else None


def _load_user(request: Request, db: SessionDep) -> User | None:
    """Who is asking (sync: database work runs in the thread pool, never on the event loop)."""
    request.state.auth = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        tok = load_api_token(db, auth[7:].strip())
        if tok is None:
            raise NotAuthenticated()
        user = tok.user
        if tok.scope == "read" and request.method not in SAFE_METHODS:
            raise Forbidden("token_read_only", "该接口令牌为只读权限，不能修改数据",
                            "this API token is read-only; it may not change anything")
        db.commit()  # end the read before the (rare) bookkeeping write, so it never upgrades a read
        if touch_api_token(db, tok):
            db.commit()
        request.state.auth = "token"
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    sess = load_session(db, cookie)
    if sess is None:
        return None
    user = db.get(User, sess.user_id, execution_options={"all_cities": True})
    db.commit()  # end the read transaction before the endpoint starts its own
    if user is None or not user.active:
        return None
    request.state.auth = "session"
    request.state.csrf_token = sess.csrf_token
    return user


async def optional_user(request: Request, user: Annotated[User | None, Depends(_load_user)]) -> User | None:
    """The user, after the CSRF check for cookie-authenticated writes (no database work here).

    Also the one place a request's acting city is set (async, so the endpoint and the
    dependencies after this one see it): the user's city, or every city read-only for the
    provincial roles (``hotline.city.tenancy``).
    """
    if user is not None:
        scope = scope_for_user(user)
        set_scope(scope)
        if scope.all_cities and request.method not in SAFE_METHODS:
            if request.url.path not in PROVINCE_WRITES:
                raise province_read_only()  # before any state or role check: the same 403 for every write
            set_scope(scope_of(user.city))  # its own bookkeeping (the audit row of a logout, of a new city)
    if (user is not None and request.state.auth == "session" and user.must_change_password
            and request.url.path not in PASSWORD_CHANGE_PATHS):
        raise password_change_required()
    if user is not None and request.state.auth == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token") or await _form_csrf(request)
        if not sent or not hmac.compare_digest(sent, request.state.csrf_token):
            raise Forbidden("csrf_failed", "页面已过期，请刷新后重试（CSRF校验失败）",
                            "CSRF check failed; reload the page and try again")
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotAuthenticated()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    async def dep(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden("role_not_allowed", "您的角色无权访问此功能", "your role may not use this")
        return user

    return Depends(dep)
