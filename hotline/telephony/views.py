"""Telephony API: call events from the phone system, KPIs, and the Erlang C staffing calculator."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from hotline.db import commit_or_conflict, utcnow
from hotline.errors import BadRequest, Forbidden
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.models import User
from hotline.org.scoping import is_centre
from hotline.telephony import erlang, missed, service
from hotline.telephony.flows import do_record_call_event
from hotline.validation import AwareMoment, DbId, Moment, MomentEnd

router = APIRouter(prefix="/api/v1/telephony", tags=["telephony"])

POSTER_ROLES = ("admin", "dispatcher", "operator")
VIEWER_ROLES = ("admin", "dispatcher", "operator", "supervisor", "leader")


def require_centre(user: User, roles: tuple[str, ...]) -> None:
    if not is_centre(user) or user.role not in roles:
        raise Forbidden("role_not_allowed", "仅热线中心可使用话务功能", "only the hotline centre may use telephony")


class CallEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    call_id: str = Field(min_length=1, max_length=64)
    type: Literal["offered", "answered", "abandoned", "ended"]
    caller: str | None = Field(None, max_length=32, description="calling number (主叫号码)")
    queue: str | None = Field(None, max_length=32)
    agent: str | None = Field(None, max_length=64, description="the operator's username (answered)")
    at: AwareMoment | None = Field(None, description="when it happened, with a timezone; now if omitted")


@router.post("/events", status_code=201, summary="话务事件 · a call event from the phone system")
def post_event(body: CallEventIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    require_centre(user, POSTER_ROLES)
    rec = do_record_call_event(db, event=body.model_dump(), posted_by=user)
    commit_or_conflict(db)
    return {"call_id": rec.call_id, "state": rec.state, "wait_s": rec.wait_s, "talk_s": rec.talk_s}


@router.get("/metrics", summary="接通率等话务指标 · connection rate, 15-second rate, wait, abandonment by hour")
def get_metrics(db: SessionDep, user: CurrentUser, start: Moment | None = None, end: MomentEnd | None = None,
                answer_within_s: Annotated[int, Query(ge=1, le=600)] = 15) -> dict[str, Any]:
    require_centre(user, VIEWER_ROLES)
    end = end or utcnow()
    start = start or end - timedelta(days=7)
    if start.tzinfo is None or end.tzinfo is None:
        raise BadRequest("naive_time", "时间须带时区", "start and end must carry a timezone offset")
    return service.metrics(db, start=start, end=end, answer_within_s=answer_within_s)


class StaffingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    volumes: list[float] = Field(min_length=1, max_length=168, description="forecast calls per hour")
    aht_s: float = Field(180, gt=0, le=7200, description="average handle time in seconds")
    target_sl: float = Field(0.8, gt=0, lt=1, description="share answered within target_s")
    target_s: float = Field(15, gt=0, le=600)
    target_connection: float | None = Field(None, gt=0, lt=1, description="optional 接通率 target")
    patience_s: float = Field(60, gt=0, le=3600, description="average caller patience (for 接通率)")
    max_occupancy: float = Field(0.9, gt=0, le=1)


def plan(body: StaffingIn) -> list[dict[str, Any]]:
    for v in body.volumes:
        if v < 0 or v > 100000:
            raise BadRequest("bad_volume", "每小时话务量须在0至100000之间", "volumes must be 0..100000",
                             field="volumes")
    out = []
    for hour, v in enumerate(body.volumes):
        s = erlang.agents_needed(v, body.aht_s, target_sl=body.target_sl, target_s=body.target_s,
                                 target_connection=body.target_connection, patience_s=body.patience_s,
                                 max_occupancy=body.max_occupancy)
        out.append({"hour": hour, "calls": v, "traffic_erlangs": round(s.traffic, 2), "agents": s.agents,
                    "service_level": round(s.service_level, 4), "connection_rate": round(s.connection_rate, 4),
                    "asa_s": round(s.asa_s, 1), "occupancy": round(s.occupancy, 3)})
    return out


@router.post("/staffing", summary="排班测算（Erlang C）· operators needed per hour")
def staffing(body: StaffingIn, user: CurrentUser) -> dict[str, Any]:
    require_centre(user, VIEWER_ROLES)
    rows = plan(body)
    return {"hours": rows, "total_agent_hours": sum(r["agents"] for r in rows)}


# ---------------------------------------------------------------- 漏话回拨 missed-call callbacks


def present_missed(t: Any, now: Any = None) -> dict[str, Any]:
    from hotline.telephony.missed import STATE_ZH

    now = now or utcnow()
    return {"id": t.id, "call_id": t.call_id, "caller": t.caller, "queue": t.queue, "reason": t.reason,
            "missed_at": t.missed_at, "due_at": t.due_at, "state": t.state, "state_label": STATE_ZH[t.state],
            "overdue": t.state == "pending" and t.due_at < now, "attempts": t.attempts,
            "last_outcome": t.last_outcome, "closed_at": t.closed_at, "reached_call_id": t.reached_call_id}


@router.get("/missed", summary="漏话回拨队列 · missed calls to call back (pending, or closed)")
def list_missed(db: SessionDep, user: CurrentUser,
                state: Literal["pending", "closed"] = "pending") -> dict[str, Any]:
    require_centre(user, VIEWER_ROLES)
    now = utcnow()
    return {"items": [present_missed(t, now) for t in service.missed_queue(db, state=state)]}


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["connected", "no_answer", "busy", "wrong_number"]
    note: str | None = Field(None, max_length=500)


@router.post("/missed/{task_id}/attempts", status_code=201,
             summary="回拨一次 · record a call-back attempt and its outcome")
def post_attempt(task_id: DbId, body: AttemptIn, db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    require_centre(user, POSTER_ROLES)
    task = missed.do_attempt(db, task_id=task_id, user=user, outcome=body.outcome, note=body.note)
    commit_or_conflict(db)
    out = present_missed(task)
    if task.state == "returned":
        out["intake_url"] = "/orders/new?citizen_phone=" + quote(task.caller)
    return out
