"""The enterprise desk page (涉企诉求): the queue of open enterprise demands and the period's figures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hotline.console import support as cs
from hotline.enterprise import service
from hotline.enterprise.views import period_of, require_desk
from hotline.org.deps import SessionDep
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/enterprise")
def desk(request: Request, db: SessionDep, user: PageUser) -> Response:
    require_desk(user)
    lang = cs.lang_for(request)
    rows = [cs.row(db, o, lang) | {"uscc": o.enterprise_uscc} for o in service.queue(db=db, user=user)]
    return render(request, "enterprise_desk.html", {
        "rows": rows, "s": service.summary(db=db, user=user, period=period_of(None, None))})
