"""On-site checks and patrol reports: the writes.

- ``do_order_check``: a reviewer (the centre's dispatcher) or a supervisor orders a 现场核查 of an order —
  a disputed completion (from a suspected-fake case) or any order in a territory; it goes to one
  community, whose grid workers see it on their phones (``site_check.assigned``).
- ``do_complete_check``: the community's grid worker answers 已解决 / 未解决 / 部分解决 with a note, the
  position and time their phone recorded, and photos (re-encoded, ``photos.clean_photo``).  The result
  goes on the order's timeline; 未解决 sends a replied, completed or archived order back to 重办 (the
  state machine's ``reopen``) in the name of whoever ordered the check, with the evidence.
- ``do_patrol_report``: a grid worker's 主动发现 goes straight into intake as an order of channel 网格.

Each runs in the caller's transaction; the caller commits once (``commit_or_conflict``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.city.schema import Role
from hotline.city.service import city_tz
from hotline.db import utcnow
from hotline.errors import BadRequest, Conflict, Forbidden, NotFound
from hotline.orders import lifecycle
from hotline.orders.actor import Actor
from hotline.orders.enums import Action, Channel, Status
from hotline.orders.flows import do_action, do_attach, do_create_order
from hotline.orders.models import Order
from hotline.org.models import Unit, User
from hotline.outbox.models import OutboxMessage
from hotline.replies.models import ReplyFlag
from hotline.verification.models import RESULTS, SiteCheck
from hotline.verification.photos import MAX_PHOTOS, clean_photo

RESULT_ZH = {"solved": "已解决", "unsolved": "未解决", "partial": "部分解决"}
STATE_ZH = {"pending": "待核查", "done": "已核查", "cancelled": "已撤销"}
ORDERERS = (Role.dispatcher, Role.supervisor)


def worker_actor(user: User) -> Actor:
    """A grid worker on an order's timeline.  Their scope is their community's checks, not the order's
    assignments, so the timeline line carries their name and the check row carries their id."""
    return Actor(role=Role.grid_worker, label=f"网格员{user.name}({user.username})")


def _require_orderer(actor: Actor) -> User:
    user = actor.user
    if user is None or actor.role not in ORDERERS or user.unit.type != "centre":
        raise Forbidden("role_not_allowed", "只有中心派单员（审核人）或督办员可以安排现场核查",
                        "only the centre's reviewers (dispatchers) and supervisors order on-site checks")
    return user


def _require_worker(actor: Actor) -> User:
    user = actor.user
    if user is None or actor.role != Role.grid_worker:
        raise Forbidden("role_not_allowed", "只有网格员可以登记现场核查", "only grid workers record on-site checks")
    return user


def default_community(db: Session, order: Order) -> Unit | None:
    """The community the order lies in, when its territory is one."""
    if order.territory_unit_id is None:
        return None
    unit = db.get(Unit, order.territory_unit_id)
    return unit if unit is not None and unit.type == "community" else None


def do_order_check(db: Session, *, order: Order, actor: Actor, unit_code: str, instructions: str,
                   flag: ReplyFlag | None = None, now: datetime | None = None) -> SiteCheck:
    now = now or utcnow()
    user = _require_orderer(actor)
    unit = db.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None or unit.type != "community":
        raise BadRequest("not_a_community", "请选择社区：现场核查由该社区的网格员完成",
                         "choose a community: its grid workers do the check", field="unit")
    instructions = (instructions or "").strip()
    if not 4 <= len(instructions) <= 1000:
        raise BadRequest("instructions_required", "请写明核查要求（4至1000字）", "say what to check (4 to 1000 characters)",
                         field="instructions")
    if db.scalar(select(SiteCheck.id).where(SiteCheck.order_id == order.id, SiteCheck.state == "pending")):
        raise Conflict("check_pending", "该工单已有待完成的现场核查", "an on-site check of this order is already pending")
    check = SiteCheck(order_id=order.id, flag_id=flag.id if flag is not None else None, unit_id=unit.id,
                      state="pending", instructions=instructions, requested_by_id=user.id, requested_at=now)
    db.add(check)
    db.flush()
    do_action(db, order=order, actor=actor, action=Action.comment, now=now,
              payload={"note": f"安排现场核查：{unit.name}网格员。核查要求：{instructions}"})
    db.add(OutboxMessage(topic="site_check.assigned", channel="inbox", recipient=f"unit:{unit.code}",
                         order_id=order.id, dedupe_key=f"site_check:{check.id}",
                         payload={"number": order.number, "title": order.title, "instructions": instructions}))
    return check


def _aware(value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise BadRequest("naive_time", "核查时间须带时区", "the check's time must carry a time zone", field="observed_at")
    if value > now + timedelta(minutes=10) or value < now - timedelta(days=7):
        raise BadRequest("bad_observed_at", "核查时间不合理（不能晚于现在，也不能早于7天前）",
                         "the check's time must not be in the future or more than 7 days ago", field="observed_at")
    return value


def _position(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if (lat is None) != (lon is None):
        raise BadRequest("bad_position", "位置须同时包含纬度和经度", "a position needs both latitude and longitude",
                         field="latitude")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadRequest("bad_position", "位置超出范围", "the position is out of range", field="latitude")
    return lat, lon


def _where_when(lat: float | None, lon: float | None, acc: float | None, at: datetime | None) -> str:
    where = f"位置 {lat:.6f},{lon:.6f}" + (f"（±{acc:.0f}米）" if acc else "") if lat is not None and lon is not None \
        else "位置未获取"
    when = f"时间 {at.astimezone(city_tz()):%Y-%m-%d %H:%M}" if at is not None else ""
    return "，".join(x for x in (where, when) if x)


def do_complete_check(db: Session, *, check: SiteCheck, actor: Actor, result: str, note: str,
                      latitude: float | None = None, longitude: float | None = None, accuracy_m: float | None = None,
                      observed_at: datetime | None = None, photos: list[tuple[str, bytes]] | None = None,
                      now: datetime | None = None) -> SiteCheck:
    now = now or utcnow()
    user = _require_worker(actor)
    if check.unit_id != user.unit_id:
        raise NotFound("check_not_found", "找不到该核查任务", "on-site check not found")
    if check.state != "pending":
        raise Conflict("check_not_pending", "该核查任务已完成或已撤销", "this on-site check is already done or cancelled")
    if result not in RESULTS:
        raise BadRequest("result_required", "请选择核查结果（已解决/未解决/部分解决）",
                         "the result must be solved, unsolved or partial", field="result")
    note = (note or "").strip()
    if not 2 <= len(note) <= 2000:
        raise BadRequest("note_required", "请填写核查情况（2至2000字）", "describe what you found (2 to 2000 characters)",
                         field="note")
    if len(photos or []) > MAX_PHOTOS:
        raise BadRequest("too_many_photos", f"最多上传{MAX_PHOTOS}张照片", f"at most {MAX_PHOTOS} photos", field="photos")
    lat, lon = _position(latitude, longitude)
    at = _aware(observed_at, now)
    order = check.order
    worker = worker_actor(user)
    cleaned = [(f"现场核查{i + 1}.jpg", clean_photo(data)) for i, (_name, data) in enumerate(photos or [])]
    atts = [do_attach(db, order=order, actor=worker, filename=name, data=data, now=now) for name, data in cleaned]
    db.flush()
    check.state, check.result, check.note = "done", result, note
    check.latitude, check.longitude, check.accuracy_m, check.observed_at = lat, lon, accuracy_m, at
    check.done_at, check.done_by_id, check.photo_ids = now, user.id, [a.id for a in atts]
    line = (f"现场核查：{RESULT_ZH[result]}。{note}（{_where_when(lat, lon, accuracy_m, at)}"
            + (f"，照片{len(atts)}张" if atts else "") + "）")
    do_action(db, order=order, actor=worker, action=Action.comment, payload={"note": line}, now=now)
    requester = db.get(User, check.requested_by_id)
    if result == "unsolved" and Status(order.status) in lifecycle.RULES[Action.reopen].sources and requester is not None:
        # the one who ordered the check decided in advance: found unsolved, it goes back to the unit
        reopener = Actor(role=requester.role, label=f"{requester.name}({requester.username})·现场核查未解决",
                         user=requester)
        do_action(db, order=order, actor=reopener, action=Action.reopen, now=now,
                  payload={"reason": f"现场核查未解决：{note}（{_where_when(lat, lon, accuracy_m, at)}）"})
    if requester is not None:
        db.add(OutboxMessage(topic="site_check.done", channel="inbox", recipient=f"user:{requester.username}",
                             order_id=order.id, dedupe_key=f"site_check_done:{check.id}",
                             payload={"number": order.number, "title": order.title, "result": RESULT_ZH[result],
                                      "note": note}))
    return check


def do_patrol_report(db: Session, *, actor: Actor, data: dict[str, Any],
                     photos: list[tuple[str, bytes]] | None = None, now: datetime | None = None) -> Order:
    """主动发现: a grid worker's report goes into intake as an order of channel 网格, in their community."""
    now = now or utcnow()
    user = _require_worker(actor)
    if len(photos or []) > MAX_PHOTOS:
        raise BadRequest("too_many_photos", f"最多上传{MAX_PHOTOS}张照片", f"at most {MAX_PHOTOS} photos", field="photos")
    lat, lon = _position(data.get("latitude"), data.get("longitude"))
    cleaned = [(f"巡查发现{i + 1}.jpg", clean_photo(b)) for i, (_n, b) in enumerate(photos or [])]
    order = do_create_order(db, actor=actor, now=now, self_service=True, data={
        **data, "channel": Channel.grid.value, "citizen_name": f"网格员{user.name}", "citizen_phone": None,
        "latitude": lat, "longitude": lon, "territory_code": data.get("territory_code") or user.unit.code,
        "note": "网格员巡查主动发现"})
    for name, blob in cleaned:
        do_attach(db, order=order, actor=worker_actor(user), filename=name, data=blob, now=now)
    return order
