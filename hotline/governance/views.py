"""REST API for 每月一题 and 未诉先办 (/api/v1/governance): the centre reads all of the city's, a unit only its own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hotline.db import commit_or_conflict, utcnow
from hotline.governance import flows, service
from hotline.org.deps import CurrentUser, SessionDep
from hotline.validation import DbId

router = APIRouter(prefix="/api/v1/governance", tags=["governance"])


class NoteIn(BaseModel):
    text: str = Field(min_length=2, max_length=2000, description="进展")
    version: int | None = Field(default=None, description="the project's version the form was opened at")


@router.get("/projects", summary="每月一题 · governance projects")
def list_projects(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    now = utcnow()
    return {"projects": [service.present(db, p, now=now) for p in service.projects(db, user=user)]}


@router.get("/projects/{project_id}", summary="治理项目详情 · one project with its notes and volume")
def get_project(project_id: DbId, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return service.present(db, service.get(db, user=user, project_id=project_id), now=utcnow(), full=True)


@router.post("/projects/{project_id}/notes", summary="填写进展 · add a progress note")
def add_note(project_id: DbId, body: NoteIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    p = service.get(db, user=user, project_id=project_id)
    flows.do_add_note(db, user=user, project=p, text=body.text, now=utcnow(), version=body.version)
    commit_or_conflict(db)
    return service.present(db, p, now=utcnow(), full=True)


@router.get("/tasks", summary="未诉先办 · proactive tasks")
def list_tasks(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    now = utcnow()
    return {"tasks": [service.present_task(db, t, now=now) for t in service.tasks(db, user=user)]}
