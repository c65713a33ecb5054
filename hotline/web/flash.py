"""Flash messages: a confirmation (or a refusal) shown once on the next page after a redirect.

A form post that redirects (POST → 303 → GET) cannot show its result on the page it
returns, so it leaves a short, signed cookie that the next rendered console page shows
in ``#flash`` and clears.  Both languages travel in the cookie; the page picks one.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "hotline_flash"
MAX_TEXT = 300


def _signer() -> URLSafeSerializer:
    from hotline.config import get_settings

    return URLSafeSerializer(get_settings().secret_key, salt="flash")


def set_flash(resp: Response, zh: str, en: str, *, kind: str = "ok") -> Response:
    """Leave ``zh``/``en`` for the next page (``kind`` is ``ok`` or ``error``)."""
    value = _signer().dumps({"zh": zh[:MAX_TEXT], "en": en[:MAX_TEXT], "kind": "error" if kind == "error" else "ok"})
    resp.set_cookie(COOKIE, value, max_age=120, httponly=True, samesite="lax", path="/")
    return resp


def redirect_with_flash(url: str, zh: str, en: str, *, kind: str = "ok") -> Response:
    return set_flash(RedirectResponse(url, status_code=303), zh, en, kind=kind)


def read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _signer().loads(raw)
    except (BadSignature, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and {"zh", "en"} <= data.keys() else None
