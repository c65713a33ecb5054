"""Console pages: ``/reply-templates`` (keep the unit's 常用语) and the reply form's tools
(``/orders/{n}/reply-tools``: templates filled for this order, fitting knowledge answers, and
attachments uploaded from inside the form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from hotline.db import commit_or_conflict
from hotline.errors import AppError, BadRequest
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.models import Attachment
from hotline.org.deps import SessionDep
from hotline.phrases import flows, service
from hotline.phrases.fill import PLACEHOLDERS
from hotline.web.flash import redirect_with_flash
from hotline.web.kit import require_role
from hotline.web.pages import PageUser
from hotline.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, db: SessionDep, user: PageUser, error: AppError | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "phrases_list.html", {
        "templates_": service.owned(db, user=user), "placeholders": PLACEHOLDERS, "error": error,
        "values": values or {}}, status_code=status_code)


@router.get("/reply-templates")
def templates_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    require_role(user, service.EDIT_ROLES)
    return _page(request, db, user)


@router.post("/reply-templates")
def templates_save(request: Request, db: SessionDep, user: PageUser,
                   template_id: Annotated[str, Form(max_length=20)] = "", title: Annotated[str, Form(max_length=80)] = "",
                   body: Annotated[str, Form(max_length=8000)] = "", active: Annotated[str, Form(max_length=4)] = "",
                   delete: Annotated[str, Form(max_length=4)] = "") -> Response:
    require_role(user, service.EDIT_ROLES)
    actor = Actor.of(user)
    try:
        if template_id:
            if not template_id.isdigit():
                raise BadRequest("bad_id", "页面数据有误，请刷新后重试", "bad template id; reload the page")
            t = service.get(db, template_id=int(template_id), user=user)
            if delete:
                flows.do_delete_template(db, actor=actor, template=t)
                zh, en = f"已删除常用语：{t.title}", f"Template deleted: {t.title}"
            else:
                flows.do_update_template(db, actor=actor, template=t, title=title, body=body, active=bool(active))
                zh, en = f"已保存常用语：{t.title}", f"Template saved: {t.title}"
        else:
            t = flows.do_create_template(db, actor=actor, title=title, body=body)
            zh, en = f"已新增常用语：{t.title}", f"Template added: {t.title}"
        commit_or_conflict(db)
    except BadRequest as exc:
        db.rollback()
        return _page(request, db, user, exc, {"template_id": template_id, "title": title, "body": body}, 422)
    return redirect_with_flash("/reply-templates", zh, en)


def _tools_ctx(db: SessionDep, number: str, user: PageUser) -> dict[str, object]:
    from hotline.knowledge.service import suggest

    order = orders.get_order(db, number=number, user=user)
    kb = suggest(db, q=f"{order.title} {order.content}"[:500], limit=3)
    return {"order": order, "phrases": [(t, service.filled(order, t)) for t in service.offered(db, user=user)],
            "answers": [f.entry for f in kb], "attachments": _attachments(db, order.id)}


@router.get("/orders/{number}/reply-tools")
def reply_tools(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    return render(request, "phrases_tools.html", _tools_ctx(db, number, user))


@router.post("/orders/{number}/reply-tools/attach")
def reply_attach(request: Request, number: str, db: SessionDep, user: PageUser,
                 file: Annotated[UploadFile | None, File()] = None) -> Response:
    """An attachment added from inside the reply form: the order page's own upload (``attach_upload``)."""
    from hotline.console.order_pages import attach_upload

    order = orders.get_order(db, number=number, user=user)
    attach_upload(db, order, user, file)
    commit_or_conflict(db)
    return render(request, "partials/phrases_attachments.html", {"order": order, "attachments": _attachments(db, order.id)})


def _attachments(db: SessionDep, order_id: int) -> list[Attachment]:
    from sqlalchemy import select

    return list(db.scalars(select(Attachment).where(Attachment.order_id == order_id).order_by(Attachment.id)))


__all__ = ["router"]
