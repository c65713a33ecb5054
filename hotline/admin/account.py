"""One's own account: choose a new password (also the forced one after a reset) and, for
administrators and leaders, the optional TOTP second factor with its QR code drawn here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hotline.db import commit_or_conflict
from hotline.errors import AppError
from hotline.org import people, totp
from hotline.org.auth import session_id
from hotline.org.deps import SESSION_COOKIE, SessionDep
from hotline.org.models import User
from hotline.org.passwords import MIN_LENGTH
from hotline.web.flash import redirect_with_flash
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, user: User, *, status_code: int = 200, **extra: object) -> Response:
    enrolling = user.totp_secret if (user.totp_secret and not user.totp_enabled) else None
    qr = totp.qr_svg(totp.provisioning_uri(user, enrolling)) if enrolling else None
    return render(request, "account.html", {
        "forced": user.must_change_password, "min_length": MIN_LENGTH, "may_totp": totp.may_enrol(user),
        "totp_enabled": user.totp_enabled, "enrolling": enrolling, "qr": qr, **extra}, status_code=status_code)


@router.get("/account")
@router.get("/account/password")
def account(request: Request, user: PageUser) -> Response:
    return _page(request, user)


@router.post("/account/password")
def change_password(request: Request, db: SessionDep, user: PageUser,
                    current: Annotated[str, Form(max_length=256)] = "", new: Annotated[str, Form(max_length=256)] = "",
                    confirm: Annotated[str, Form(max_length=256)] = "") -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        if new != confirm:
            raise AppError("password_mismatch", "两次输入的新密码不一致", "the two new passwords differ",
                           status_code=422)
        people.do_change_password(db, user=user, current=current, new=new,
                                  keep_session=session_id(cookie) if cookie else None)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _page(request, user, error=exc, status_code=exc.status_code)
    return redirect_with_flash("/", "密码已修改", "Password changed")


@router.post("/account/totp/start")
def totp_start(request: Request, db: SessionDep, user: PageUser) -> Response:
    try:
        people.do_start_totp(db, user=user)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _page(request, user, error=exc, status_code=exc.status_code)
    return _page(request, user)


@router.post("/account/totp/enable")
def totp_enable(request: Request, db: SessionDep, user: PageUser,
                code: Annotated[str, Form(max_length=16)] = "") -> Response:
    try:
        people.do_enable_totp(db, user=user, code=code)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _page(request, user, error=exc, status_code=exc.status_code)
    return redirect_with_flash("/account", "两步验证已启用：以后登录须填写动态验证码",
                               "Second factor enabled: enter the code from your app when you log in")


@router.post("/account/totp/disable")
def totp_disable(request: Request, db: SessionDep, user: PageUser,
                 code: Annotated[str, Form(max_length=16)] = "") -> Response:
    from hotline.db import utcnow

    if not (user.totp_enabled and user.totp_secret and totp.accept(user, user.totp_secret, code, now=utcnow())):
        return _page(request, user, error=AppError("totp_code_wrong", "动态验证码不正确", "the code is wrong",
                                                    status_code=422), status_code=422)
    people.do_disable_totp(db, actor=user, user=user)
    commit_or_conflict(db)
    return redirect_with_flash("/account", "两步验证已关闭", "Second factor disabled")
