"""REST API: saved views (/api/v1/saved-views) and bulk work (/api/v1/orders/bulk…)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hotline.db import commit_or_conflict
from hotline.orders.actor import Actor
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import DbId
from hotline.worklists import flows, service

router = APIRouter(prefix="/api/v1", tags=["worklists"])


class ViewIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    list: str = Field("orders", max_length=16)
    query: dict[str, str] = Field(default_factory=dict, max_length=20)
    share_with_role: str | None = Field(None, max_length=32, description="keep it for a role (admin, supervisor)")


class BulkIn(BaseModel):
    numbers: list[str] = Field(min_length=1, max_length=flows.BULK_MAX)
    action: str = Field(max_length=32, description="dispatch | urge")
    payload: dict[str, Any] = Field(default_factory=dict, description="the action's fields, as for one order")


class AgentIn(BaseModel):
    numbers: list[str] = Field(min_length=1, max_length=flows.BULK_MAX)
    agent: str = Field(max_length=64, description="the callback agent's username")


@router.get("/saved-views", summary="保存的视图 · my views and my role's, with counts")
def list_views(db: SessionDep, user: CurrentUser, list: str | None = None) -> list[dict[str, Any]]:
    return service.present_all(db, service.visible_views(db, user=user, list_=list), user=user)


@router.post("/saved-views", status_code=201, summary="保存视图 · keep a list's filter under a name")
def create_view(body: ViewIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    view = flows.do_save_view(db, actor=Actor.of(user), name=body.name, query=body.query, list_=body.list,
                              share_with_role=body.share_with_role)
    commit_or_conflict(db)
    return service.present(db, view, user=user)


@router.get("/saved-views/{view_id}", summary="一个视图及其工单数")
def get_view(view_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.present(db, service.get_view(db, view_id=view_id, user=user), user=user)


@router.delete("/saved-views/{view_id}", status_code=204, summary="删除视图")
def delete_view(view_id: DbId, db: SessionDep, user: CurrentUser) -> None:
    flows.do_delete_view(db, actor=Actor.of(user), view=service.get_view(db, view_id=view_id, user=user))
    commit_or_conflict(db)


@router.post("/orders/bulk", summary="批量操作 · 派单/催办 each selected order; per-order results")
def bulk(body: BulkIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return flows.do_bulk_action(db, user=user, numbers=body.numbers, action=body.action,
                                payload=body.payload).as_dict()


@router.post("/orders/bulk/callback-agent", summary="批量指派回访员 · per-order results")
def bulk_agent(body: AgentIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return flows.do_bulk_callback_agent(db, user=user, numbers=body.numbers, agent=body.agent).as_dict()
