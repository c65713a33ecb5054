"""POST requests: an Open311 service request becomes an order through the core intake flow.

The api_key's user is the actor (its role must be allowed to take demands),
the channel is ``open311``, the service_code is our category code.  Fields the
spec has and we do not keep (email, device_id, account_id, media_url) are noted
on the creation event, not dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from hotline.city.schema import Kind
from hotline.open311.formats import Open311Error
from hotline.open311.service import find_service
from hotline.orders.actor import Actor
from hotline.orders.enums import Channel
from hotline.orders.flows import do_create_order
from hotline.orders.models import Order
from hotline.orders.schemas import DEMAND_MAX, PHONE_RE, demand_too_long
from hotline.org.models import User

DEFAULT_KIND = Kind.help.value


def _float(params: dict[str, str], key: str, lo: float, hi: float) -> float | None:
    raw = (params.get(key) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise Open311Error(400, f"{key} must be a number") from exc
    if not lo <= value <= hi:
        raise Open311Error(400, f"{key} out of range")
    return value


def do_create_request(db: Session, *, user: User, params: dict[str, str]) -> Order:
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    cat = find_service(db, code)
    lat, lon = _float(params, "lat", -90, 90), _float(params, "long", -180, 180)
    address = (params.get("address_string") or "").strip()[:200] or None
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat is None and not address and not params.get("address_id"):
        raise Open311Error(400, "a location is required: lat & long, address_string or address_id")
    description = re.sub(r"\s+", " ", (params.get("description") or "").strip())
    if len(description) < 5:
        raise Open311Error(400, "description is required (at least 5 characters)")
    if len(description) > DEMAND_MAX:
        raise Open311Error(400, " / ".join(demand_too_long(len(description))))
    phone = re.sub(r"\s", "", params.get("phone") or "") or None
    if phone and not re.match(PHONE_RE, phone):
        raise Open311Error(400, "phone must be a Chinese mobile or landline number")
    name = ((params.get("last_name") or "").strip() + (params.get("first_name") or "").strip())[:32] or None
    kind = params.get("attribute[kind]") or DEFAULT_KIND
    if kind not in {k.value for k in Kind}:
        raise Open311Error(400, "attribute[kind] must be one of " + ", ".join(k.value for k in Kind))
    extras = {k: params[k][:300] for k in ("email", "device_id", "account_id", "media_url", "address_id")
              if params.get(k)}
    title = f"{cat.name}：{description}"
    data: dict[str, Any] = {
        "kind": kind, "title": title[:58] + ("…" if len(title) > 58 else ""), "content": description,
        "channel": Channel.open311.value, "category_code": cat.code, "citizen_phone": phone,
        "citizen_name": name, "address": address, "latitude": lat, "longitude": lon,
        "note": "Open311: " + ", ".join(f"{k}={v}" for k, v in extras.items()) if extras else None,
    }
    # an Open311 client is the citizen's own app: self-service, routed (and perhaps auto-dispatched) by the system
    return do_create_order(db, actor=Actor.of(user), data=data, self_service=True)
