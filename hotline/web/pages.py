"""Console pages: login, language switch, home, and the error page.

Page modules (orders, queues, inbox …) live beside this one and add their own
routers to ``router`` via ``hotline.web.routes``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hotline.city.schema import Role
from hotline.errors import AppError, NotAuthenticated
from hotline.org.auth import authenticate, end_session, start_session
from hotline.org.deps import SESSION_COOKIE, SessionDep, optional_user
from hotline.org.models import AuditLog, User
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)


async def page_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotAuthenticated()
    request.state.user = user
    return user


PageUser = Annotated[User, Depends(page_user)]


def render_error(request: Request, exc: AppError) -> Response:
    if isinstance(exc, NotAuthenticated):
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if request.headers.get("hx-request"):
        return render(request, "partials/flash.html", {"error": exc}, status_code=exc.status_code)
    return render(request, "error.html", {"error": exc}, status_code=exc.status_code)


HOME_BY_ROLE = {
    Role.operator: "/orders/new",
    Role.dispatcher: "/queue",
    Role.unit_handler: "/inbox",
    Role.unit_leader: "/inbox",
    Role.supervisor: "/supervision",
    Role.callback_agent: "/callbacks",
    Role.admin: "/orders",
    Role.leader: "/dashboard",
}


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse(HOME_BY_ROLE.get(Role(user.role), "/orders"), status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Any:
    return render(request, "login.html", {"next": next, "demo": _demo_logins()})


def _demo_logins() -> list[dict[str, str]]:
    from hotline.config import get_settings

    if get_settings().env != "development":
        return []
    from hotline.city.service import current_city

    return [{"username": u.username, "name": u.name, "role": u.role.value} for u in current_city().users]


@router.post("/login")
def login(request: Request, db: SessionDep, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "", next: Annotated[str, Form()] = "/") -> Any:
    user = authenticate(db, username.strip(), password)
    if user is None:
        return render(request, "login.html", {"next": next, "demo": _demo_logins(),
                                              "failed": True, "username": username}, status_code=401)
    token, _ = start_session(db, user)
    db.add(AuditLog(actor_id=user.id, actor_label=user.username, action="login", entity="user",
                    entity_id=user.username, data={"ip": request.client.host if request.client else None}))
    db.commit()
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                    secure=request.url.scheme == "https", max_age=12 * 3600)
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
def set_lang(request: Request, lang: str) -> Response:
    back = request.headers.get("referer") or "/"
    resp = RedirectResponse(back, status_code=303)
    resp.set_cookie("lang", "en" if lang == "en" else "zh", max_age=365 * 86400, samesite="lax")
    return resp


__all__ = ["router", "PageUser", "render_error", "lang_of"]
