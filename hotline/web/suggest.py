"""The intake assistant: what the operator sees beside the form while typing.

Each package that can help at intake — routing (category, unit, territory,
urgency, emergency), duplicates, caller history, the knowledge base — defines
``hotline/<package>/suggest.py`` with a section function, added by the package's
``plugin.py`` with ``r.suggestion(fn, order=…)``.
The intake form posts its fields here (HTMX, debounced) and every provider's
section is rendered in order.  A provider that fails is logged and skipped, so
one broken helper never blocks taking a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from hotline.orders.schemas import DEMAND_FORM_MAX, DEMAND_MAX
from hotline.org.deps import SessionDep
from hotline.org.models import User
from hotline.web.pages import PageUser

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class IntakeDraft:
    """What the operator has typed so far (any field may be empty)."""

    title: str = ""
    content: str = ""
    address: str = ""
    phone: str = ""
    kind: str = ""
    category_code: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.content}".strip()


@dataclass
class Section:
    """One block of the assistant panel: a partial template and its context."""

    key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Session, User, IntakeDraft], Section | None]


def sections(db: Session, user: User, draft: IntakeDraft) -> list[Section]:
    from hotline import registry

    out = []
    for _order, fn, _pkg in registry.get().suggestions:
        try:
            sec = fn(db, user, draft)
        except Exception:  # noqa: BLE001 - one failing helper must not block intake
            log.exception("intake provider %s failed", getattr(fn, "__name__", fn))
            continue
        if sec is not None:
            out.append(sec)
    return out


@router.post("/orders/new/suggest")
def suggest(request: Request, db: SessionDep, user: PageUser,
            title: Annotated[str, Form(max_length=200)] = "", content: Annotated[str, Form(max_length=DEMAND_FORM_MAX)] = "",
            address: Annotated[str, Form(max_length=400)] = "", citizen_phone: Annotated[str, Form(max_length=40)] = "",
            kind: Annotated[str, Form(max_length=20)] = "", category_code: Annotated[str, Form(max_length=40)] = "",
            ) -> Any:
    from hotline.errors import Forbidden
    from hotline.org.scoping import is_centre
    from hotline.web.templating import render

    if user.role not in ("operator", "dispatcher") or not is_centre(user):
        raise Forbidden("intake_only", "仅热线中心受理人员可使用受理助手", "the intake assistant is for the centre's intake staff")
    draft = IntakeDraft(title=title.strip(), content=content.strip()[:DEMAND_MAX], address=address.strip(),
                        phone=citizen_phone.strip(), kind=kind, category_code=category_code)
    return render(request, "partials/suggestions.html", {"sections": sections(db, user, draft), "draft": draft})
