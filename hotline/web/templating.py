"""Jinja2 environment for the console: language, formatting and the logged-in user."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates

from hotline.i18n import gettext
from hotline.web.nav import items_for as nav_items_for

LOCAL = ZoneInfo("Asia/Shanghai")
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get("lang") == "en" else "zh"


def fmt_dt(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(LOCAL).strftime(fmt)


templates.env.filters["dt"] = fmt_dt
templates.env.globals["nav_items"] = nav_items_for


def render(request: Request, name: str, ctx: dict[str, Any] | None = None, *, status_code: int = 200) -> Any:
    lang = lang_of(request)
    base = {
        "request": request,
        "lang": lang,
        "_": lambda s: gettext(s, lang),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),  # hotline/web/security.py
    }
    base.update(ctx or {})
    from hotline.web.flash import COOKIE, read_flash

    pending = request.cookies.get(COOKIE)
    # a full page shows the message left by the previous action (fragments leave it for the page)
    if pending and "flash" not in base and not request.headers.get("hx-request"):
        base["flash"] = read_flash(request)
    resp = templates.TemplateResponse(request, name, base, status_code=status_code)
    if pending and "flash" in base:
        resp.delete_cookie(COOKIE, path="/")
    return resp
