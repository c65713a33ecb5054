"""Jinja2 environment for the console: language, formatting and the logged-in user."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from hotline.city.service import city_tz
from hotline.i18n import gettext
from hotline.web.nav import items_for as nav_items_for
from hotline.web.nav import layout_for as nav_layout_for

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get("lang") == "en" else "zh"


def fmt_dt(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(city_tz()).strftime(fmt)


def fmt_pct(value: float | None, digits: int = 2) -> str:
    """A rate (0–1) as a percentage.  None — nothing to judge, a zero denominator — is “—”, never 0 % or 100 %."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


templates.env.filters["dt"] = fmt_dt
templates.env.filters["pct"] = fmt_pct
templates.env.globals["pct"] = fmt_pct  # pct(rate) or pct(rate, 1) in every template
templates.env.globals["nav_items"] = nav_items_for
templates.env.globals["nav_layout"] = nav_layout_for


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
