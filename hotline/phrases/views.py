"""REST API for reply templates (/api/v1/reply-templates): a unit's staff and the centre's admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hotline.db import commit_or_conflict
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.phrases import flows, service
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/reply-templates", tags=["phrases"])


class TemplateIn(BaseModel):
    title: str = Field(max_length=40)
    body: str = Field(max_length=4000, description="placeholders: {工单编号} {受理日期} {承办单位} {标题} {今天}")
    active: bool = True


@router.get("", summary="常用语 · my unit's templates (editable) ")
def list_templates(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [service.present(t) for t in service.owned(db, user=user)]


@router.post("", status_code=201, summary="新增常用语")
def create_template(body: TemplateIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    t = flows.do_create_template(db, actor=Actor.of(user), title=body.title, body=body.body)
    commit_or_conflict(db)
    return service.present(t)


@router.put("/{template_id}", summary="修改常用语")
def update_template(template_id: DbId, body: TemplateIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    t = service.get(db, template_id=template_id, user=user)
    flows.do_update_template(db, actor=Actor.of(user), template=t, title=body.title, body=body.body, active=body.active)
    commit_or_conflict(db)
    return service.present(t)


@router.delete("/{template_id}", status_code=204, summary="删除常用语")
def delete_template(template_id: DbId, db: SessionDep, user: CurrentUser) -> None:
    flows.do_delete_template(db, actor=Actor.of(user), template=service.get(db, template_id=template_id, user=user))
    commit_or_conflict(db)


@router.get("/for-order/{number}", summary="答复可用常用语 · templates for this order, placeholders filled")
def for_order(number: str, db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    order = orders.get_order(db, number=number, user=user)
    return [{**service.present(t), "filled": service.filled(order, t)} for t in service.offered(db, user=user)]
