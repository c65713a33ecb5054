"""The intake assistant's endpoint: the intake form posts what the operator typed (HTMX, debounced)
and gets every installed section (``hotline.web.suggest.sections``) rendered in order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request

from hotline.orders.schemas import DEMAND_FORM_MAX, DEMAND_MAX
from hotline.org.deps import SessionDep
from hotline.web.pages import PageUser
from hotline.web.suggest import IntakeDraft, sections

router = APIRouter(include_in_schema=False)


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
