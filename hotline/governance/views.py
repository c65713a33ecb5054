"""REST API for 每月一题 and 未诉先办 (/api/v1/governance): the centre reads all of the city's, a unit only its own.

Writes: create a project (leaders), link or unlink an order, add a note, complete (leaders and supervisors),
record a task done.  A role that may not is 403, another unit's project or task 404, a stale ``version`` 409;
each write is one transaction with its audit row (the flows write it)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hotline.db import commit_or_conflict, utcnow
from hotline.governance import flows, service
from hotline.governance.models import GovernanceProject
from hotline.hotspots import service as hot_service
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/governance", tags=["governance"])


class NoteIn(BaseModel):
    text: str = Field(min_length=2, max_length=2000, description="进展")
    version: int | None = Field(default=None, description="the project's version the form was opened at")


class ProjectIn(BaseModel):
    title: str = Field(default="", max_length=200, description="题目 (empty: the hot matter's name)")
    goal: str = Field(min_length=2, max_length=2000, description="治理目标")
    deadline: date = Field(description="完成时限: a date, the end of that day in the city's time")
    hot_matter_id: DbId | None = Field(default=None, description="the hot matter or systemic problem it comes from")
    owner_unit_id: DbId | None = Field(default=None, description="责任单位 (empty: who handled most of its orders)")
    extra_reason: str = Field(default="", max_length=2000, description="why a second topic this month")


class LinkIn(BaseModel):
    number: str = Field(min_length=1, max_length=40, description="工单编号")
    action: Literal["link", "unlink"] = "link"


class DoneIn(BaseModel):
    note: str = Field(min_length=2, max_length=2000, description="完成说明 / 已采取的措施")
    version: int | None = Field(default=None, description="the version read; a newer one is a 409")


def _full(db: Session, p: GovernanceProject) -> dict[str, Any]:
    out = service.present(db, p, now=utcnow(), full=True)
    out["linked_orders"] = [{"number": o.number, "title": o.title, "status": o.status}
                            for o in service.linked_orders(db, p)]
    return out


@router.get("/projects", summary="每月一题 · governance projects")
def list_projects(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    now = utcnow()
    return {"projects": [service.present(db, p, now=now) for p in service.projects(db, user=user)]}


@router.post("/projects", status_code=201, summary="设为每月一题 · make a month's topic (leaders)")
def create_project(body: ProjectIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    service.check_role(user, service.PICK_ROLES)
    m = hot_service.get(db, user=user, matter_id=body.hot_matter_id) if body.hot_matter_id else None
    p = flows.do_create_project(db, user=user, now=utcnow(), title=body.title, goal=body.goal,
                                owner_unit_id=body.owner_unit_id, deadline=service.end_of(body.deadline),
                                hot_matter=m, extra_reason=body.extra_reason)
    commit_or_conflict(db)
    return _full(db, p)


@router.get("/projects/{project_id}", summary="治理项目详情 · one project with its notes, volume and orders")
def get_project(project_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return _full(db, service.get(db, user=user, project_id=project_id))


@router.post("/projects/{project_id}/notes", summary="填写进展 · add a progress note")
def add_note(project_id: DbId, body: NoteIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    p = service.get(db, user=user, project_id=project_id)
    flows.do_add_note(db, user=user, project=p, text=body.text, now=utcnow(), version=body.version)
    commit_or_conflict(db)
    return _full(db, p)


@router.post("/projects/{project_id}/orders", summary="关联或取消关联工单 · link or unlink an order by number")
def link_order(project_id: DbId, body: LinkIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    p = service.get(db, user=user, project_id=project_id)
    flows.do_link(db, user=user, project=p, order=service.find_order(db, body.number), link=body.action == "link",
                  now=utcnow())
    commit_or_conflict(db)
    return _full(db, p)


@router.post("/projects/{project_id}/complete", summary="完成项目 · complete (leaders and supervisors)")
def complete_project(project_id: DbId, body: DoneIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    p = service.get(db, user=user, project_id=project_id)
    flows.do_complete(db, user=user, project=p, now=utcnow(), note=body.note, version=body.version)
    commit_or_conflict(db)
    return _full(db, p)


@router.get("/tasks", summary="未诉先办 · proactive tasks")
def list_tasks(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    now = utcnow()
    return {"tasks": [service.present_task(db, t, now=now) for t in service.tasks(db, user=user)]}


@router.post("/tasks/{task_id}/done", summary="办结未诉先办任务 · record what the unit did")
def task_done(task_id: DbId, body: DoneIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    t = service.get_task(db, user=user, task_id=task_id)
    flows.do_task_done(db, user=user, task=t, note=body.note, now=utcnow(), version=body.version)
    commit_or_conflict(db)
    return service.present_task(db, t, now=utcnow())
