"""Console pages: login, language switch, home, and the error page.

Page modules (orders, queues, inbox …) live beside this one and add their own
routers to ``router`` via ``hotline.web.routes``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hotline.city.schema import Role
from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.errors import AppError, Forbidden, NotAuthenticated, RateLimited
from hotline.org.auth import authenticate, end_session, start_session
from hotline.org.deps import SESSION_COOKIE, SessionDep, optional_user
from hotline.org.models import AuditLog, User
from hotline.org.throttle import login_throttle
from hotline.org.totp import accept as totp_accept
from hotline.web.security import client_ip, is_https, local_path
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("hotline")


@dataclass(frozen=True)
class UnitView:
    name: str
    short_name: str | None


@dataclass(frozen=True)
class Viewer:
    """What the page frame (base.html) shows of the logged-in user, copied while the session is open.

    Error pages are drawn after the request's database session has closed, when the
    ORM ``User`` is detached and its attributes expired (DetachedInstanceError on
    ``user.role``); the frame reads this copy instead.
    """

    id: int
    username: str
    name: str
    role: str
    unit: UnitView


def viewer_of(user: User) -> Viewer:
    unit = user.unit
    return Viewer(id=user.id, username=user.username, name=user.name, role=str(user.role),
                  unit=UnitView(unit.name if unit else "", unit.short_name if unit else None))


def page_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The logged-in user of a console page (sync: the copy for error pages reads the database)."""
    if user is None:
        raise NotAuthenticated()
    request.state.user = user
    request.state.viewer = viewer_of(user)
    return user


PageUser = Annotated[User, Depends(page_user)]

ERROR_TITLES = {401: "请先登录", 403: "无权访问", 404: "页面不存在", 405: "不支持的操作", 409: "操作未完成",
                413: "内容过大", 422: "输入有误"}


def _error_ctx(request: Request, exc: AppError) -> dict[str, Any]:
    return {"error": exc, "user": getattr(request.state, "viewer", None),
            "error_title": ERROR_TITLES.get(exc.status_code, "操作未完成")}


def render_error(request: Request, exc: AppError) -> Response:
    """A refusal as people meet it: a page in their language with a way back, or a flash for HTMX."""
    if isinstance(exc, NotAuthenticated):
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if exc.code == "password_change_required":  # a reset password: the form first (org.deps)
        if request.headers.get("hx-request"):  # the frame's polls (notifications …): nothing to swap
            return Response(status_code=204)
        return RedirectResponse("/account/password", status_code=303)
    name = "partials/flash.html" if request.headers.get("hx-request") else "error.html"
    try:
        return render(request, name, _error_ctx(request, exc), status_code=exc.status_code)
    except Exception:  # the error page itself must never become a raw 500
        log.exception("error page failed on %s", request.url.path)
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><p role=alert>{exc.zh} / {exc.en}</p>"
                            '<p><a href="/">首页 / Home</a></p>', status_code=exc.status_code)


def _viewer_from_cookie(request: Request) -> Viewer | None:
    from hotline.db import session_factory
    from hotline.org.auth import load_session

    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with session_factory()() as db:
        sess = load_session(db, cookie)
        user = db.get(User, sess.user_id) if sess else None
        return viewer_of(user) if user is not None and user.active else None


HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    404: ("not_found", "页面不存在，请检查网址或从首页进入", "This page does not exist; check the address or start from the home page"),
    405: ("method_not_allowed", "不支持的请求方法", "method not allowed"),
}


async def render_http_error(request: Request, status_code: int, detail: str = "") -> Response:
    """An HTTP 404/405 (unknown URL, wrong method) for a browser: the error page, with the user's nav."""
    code, zh, en = HTTP_ERRORS.get(status_code, ("http_error", "请求无法处理", detail or "request refused"))
    if getattr(request.state, "viewer", None) is None:
        try:
            request.state.viewer = await run_in_threadpool(_viewer_from_cookie, request)
        except Exception:
            log.exception("could not read the session for the error page")
    return render_error(request, AppError(code, zh, en, status_code=status_code))


HOME_BY_ROLE = {
    Role.operator: "/orders/new",
    Role.dispatcher: "/queue",
    Role.unit_handler: "/inbox",
    Role.unit_leader: "/inbox",
    Role.supervisor: "/supervision",
    Role.callback_agent: "/callbacks",
    Role.grid_worker: "/grid/",  # the phone app (hotline/verification)
    Role.admin: "/orders",
    Role.leader: "/dashboard",
}


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse(HOME_BY_ROLE.get(Role(user.role), "/orders"), status_code=303)


LOGIN_CSRF_COOKIE = "hotline_login_csrf"


def _login_csrf(request: Request) -> tuple[str, str]:
    """(cookie nonce, form token): the form must send back the HMAC of the cookie (double submit).

    Without it a third-party page could log a browser in as the attacker (login CSRF).
    """
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not 16 <= len(nonce) <= 64:
        nonce = secrets.token_urlsafe(24)
    return nonce, _csrf_for(nonce)


def _csrf_for(nonce: str) -> str:
    from hotline.config import get_settings

    key = get_settings().secret_key.encode()
    return hmac.new(key, b"login-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _login_page(request: Request, ctx: dict[str, Any], *, status_code: int = 200,
                headers: dict[str, str] | None = None) -> Response:
    nonce, token = _login_csrf(request)
    resp = render(request, "login.html", {"demo": _demo_logins(), "login_csrf": token, **ctx},
                  status_code=status_code)
    resp.set_cookie(LOGIN_CSRF_COOKIE, nonce, httponly=True, samesite="lax", secure=is_https(request),
                    max_age=3600, path="/login")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Any:
    return _login_page(request, {"next": local_path(next)})


def _demo_logins() -> list[dict[str, str]]:
    from hotline.config import get_settings

    if get_settings().env != "development":
        return []
    from hotline.city.service import current_city

    return [{"username": u.username, "name": u.name, "role": u.role.value} for u in current_city().users]


def _throttled(retry_after_s: int) -> RateLimited:
    at = (utcnow() + timedelta(seconds=retry_after_s)).astimezone(city_tz()).strftime("%H:%M")
    minutes = max(1, -(-retry_after_s // 60))
    return RateLimited("login_throttled", f"登录失败次数过多，请于{at}后（约{minutes}分钟）再试",
                       f"Too many failed logins. Try again after {at} (about {minutes} min).",
                       retry_after_s=retry_after_s)


def _audit_login(db: SessionDep, action: str, username: str, ip: str, user: User | None = None,
                 **data: Any) -> None:
    db.add(AuditLog(actor_id=user.id if user else None, actor_label=(user.username if user else username)[:128],
                    action=action, entity="user", entity_id=username[:64], data={"ip": ip, **data}))
    db.commit()


@router.post("/login")
def login(request: Request, db: SessionDep, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "", next: Annotated[str, Form()] = "/",
          csrf_token: Annotated[str, Form(max_length=128)] = "", code: Annotated[str, Form(max_length=16)] = "") -> Any:
    username, target, ip = username.strip(), local_path(next), client_ip(request)
    ctx = {"next": target, "username": username}
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not cookie or not hmac.compare_digest(csrf_token, _csrf_for(cookie)):
        _audit_login(db, "login.csrf_failed", username, ip)
        err: AppError = Forbidden("csrf_failed", "页面已过期，请重新输入后登录（CSRF校验失败）",
                        "The page expired; enter your password again (CSRF check failed)")
        return _login_page(request, {**ctx, "error": err}, status_code=403)
    throttle = login_throttle()
    refusal = throttle.check(username=username, ip=ip)
    if refusal is not None:
        _audit_login(db, "login.throttled", username, ip, scope=refusal.scope, retry_after_s=refusal.retry_after_s)
        err = _throttled(refusal.retry_after_s)
        return _login_page(request, {**ctx, "error": err}, status_code=429,
                           headers={"Retry-After": str(refusal.retry_after_s)})
    user = authenticate(db, username, password)
    if user is not None and user.totp_enabled and not totp_accept(user, user.totp_secret or "", code, now=utcnow()):
        user = None  # the same answer as a wrong password: the page does not tell which one was wrong
    if user is None:
        throttle.failed(username=username, ip=ip)
        _audit_login(db, "login.failed", username, ip)
        return _login_page(request, {**ctx, "failed": True}, status_code=401)
    throttle.succeeded(username=username)
    token, _ = start_session(db, user, ip=ip)
    if user.must_change_password:  # reset by an administrator: choose a new password first
        target = "/account/password"
    db.add(AuditLog(actor_id=user.id, actor_label=user.username, action="login", entity="user",
                    entity_id=user.username, data={"ip": ip}))
    db.commit()
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                    secure=is_https(request), max_age=12 * 3600)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, db: SessionDep, user: PageUser) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(db, token)
        db.add(AuditLog(actor_id=user.id, actor_label=user.username, action="logout", entity="user",
                        entity_id=user.username, data={}))
        db.commit()
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/lang/{lang}")
def set_lang(request: Request, lang: str, next: str = "") -> Response:
    """Switch language and go back: to ``next`` or the Referer, only if it is a page of this site."""
    back = local_path(next, default="") or local_path(request.headers.get("referer"), host=request.url.netloc)
    resp = RedirectResponse(back, status_code=303)
    resp.set_cookie("lang", "en" if lang == "en" else "zh", max_age=365 * 86400, samesite="lax")
    return resp


__all__ = ["router", "PageUser", "render_error", "render_http_error", "lang_of"]
