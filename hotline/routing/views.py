"""REST API for routing: suggestions, triage, accuracy, models and the duty catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update

from hotline.city.schema import Role
from hotline.db import commit_or_conflict
from hotline.errors import Forbidden, NotFound
from hotline.orders.schemas import DEMAND_MAX
from hotline.org.deps import CurrentUser, SessionDep, require_roles
from hotline.org.models import AuditLog
from hotline.org.scoping import is_centre
from hotline.routing import stats
from hotline.routing.flows import do_edit_keywords
from hotline.routing.models import RoutingModel
from hotline.routing.service import REGISTRY, forget_catalogue, suggest
from hotline.validation import Moment, MomentEnd

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field("", max_length=100)
    content: str = Field(min_length=2, max_length=DEMAND_MAX)
    address: str = Field("", max_length=200)


@router.post("/suggest", summary="派单建议 · category, unit, territory, urgency and kind with reasons")
def suggest_api(body: SuggestIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    if not is_centre(user):
        raise Forbidden("centre_only", "仅热线中心可使用派单建议", "routing suggestions are for the centre")
    return suggest(db, text=f"{body.title}\n{body.content}", address=body.address).to_dict()


@router.get("/accuracy", summary="派单准确率 · first-dispatch accuracy, returns by unit, confusion")
def accuracy_api(db: SessionDep, user: CurrentUser, since: Moment | None = None,
                 until: MomentEnd | None = None) -> dict[str, Any]:
    if not is_centre(user):
        raise Forbidden("centre_only", "仅热线中心可查看", "centre only")
    return {**stats.accuracy(db, since=since, until=until), "returns_by_unit": stats.returns_by_unit(db, since=since)}


@router.get("/triage", summary="人工分拣队列 · orders waiting with low-confidence suggestions")
def triage_api(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    if user.role not in (Role.dispatcher, Role.operator, Role.supervisor) or not is_centre(user):
        raise Forbidden("role_not_allowed", "仅派单员可查看分拣队列", "dispatchers only")
    return [{"number": o.number, "title": o.title, "created_at": o.created_at, "confidence": d.confidence,
             "units": d.units, "categories": d.categories, "flags": d.flags} for o, d in stats.triage_queue(db)]


@router.get("/models", summary="模型 · trained routing models")
def models_api(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [{"version": m.version, "purpose": m.purpose, "active": m.active, "trained_at": m.trained_at,
             "n_train": m.n_train, "source": m.source, "metrics": m.metrics}
            for m in db.scalars(select(RoutingModel).order_by(RoutingModel.trained_at.desc()))]


@router.post("/models/{version}/activate", summary="启用模型 · make a model the active one (admin)",
             dependencies=[require_roles(Role.admin)])
def activate(version: str, db: SessionDep, user: CurrentUser) -> dict[str, str]:
    row = db.scalar(select(RoutingModel).where(RoutingModel.version == version))
    if row is None:
        raise NotFound("model_not_found", f"找不到模型：{version}", f"model not found: {version}")
    db.execute(update(RoutingModel).where(RoutingModel.purpose == row.purpose).values(active=False))
    row.active = True
    db.add(AuditLog(actor_id=user.id, actor_label=user.username, action="routing.model.activate",
                    entity="routing_model", entity_id=version, data={}))
    db.commit()
    REGISTRY.forget()
    return {"active": version}


class KeywordsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keywords: list[str] = Field(max_length=100)
    duties: str | None = Field(None, max_length=2000)


@router.put("/catalogue/{unit_code}", summary="维护派单目录 · edit a unit's duty keywords (admin)",
            dependencies=[require_roles(Role.admin)])
def edit_catalogue(unit_code: str, body: KeywordsIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    unit = do_edit_keywords(db, unit_code=unit_code, keywords=body.keywords, duties=body.duties, actor=user)
    commit_or_conflict(db)
    forget_catalogue()
    return {"unit": unit.code, "keywords": unit.keywords, "duties": unit.duties}
