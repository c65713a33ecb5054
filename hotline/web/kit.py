"""Small helpers every console page uses, whatever its package: translate, require a role, tell HTMX.

They live in the toolkit (``hotline.web``), not with the order console (``hotline.console``), so a
package's pages can use them without depending on the order pages.
"""

from __future__ import annotations

from fastapi import Request

from hotline.errors import Forbidden
from hotline.i18n import gettext
from hotline.org.models import User


def t(text: str, lang: str) -> str:
    return gettext(text, lang)


def require_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden("role_not_allowed", "您的角色无权访问此页面", "your role may not open this page")


def is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")
