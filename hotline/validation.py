"""What the platform accepts from outside, defined once: bounded integers, safe datetimes, clean text.

Bad input must be a 4xx, never a 500.  The causes found by fuzzing (issue #10) were
values that pass Python's types but not the database's or the calendar's:

* integers beyond a 64-bit column (``?page=1e20``, an id of 30 digits);
* datetimes at the calendar's edges (``9999-12-31T23:59:59Z`` + 90 days, or
  ``0001-01-01T00:00:00+14:00`` in UTC, is outside ``datetime``'s range);
* NUL bytes (PostgreSQL refuses them in text) and other control characters (they
  make XML not well-formed and openpyxl refuse the cell), lone surrogates (no UTF-8), and the
  bidirectional overrides and isolates (they reorder a title for the next reader).

``DbInt``/``DbId``/``Page``/``Limit`` bound integers; ``Moment``/``MomentEnd`` are
datetimes where a date or a naive time means the city's time zone and the year
is in ``YEARS``; ``check_request`` refuses control characters in every query
string, path and JSON or form body (mounted once on the app); ``clean_text``
strips them where a channel prefers to repair (Open311, imports) and
``printable`` is what XML and xlsx writers apply to rows already stored.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import Request
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from hotline.errors import BadRequest

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
DbInt = Annotated[int, Ge(INT64_MIN), Le(INT64_MAX)]
"""Any integer a BIGINT column can hold."""
DbId = Annotated[int, Ge(1), Le(INT64_MAX)]
"""A row id (path parameters such as ``/supervisions/{sup_id}``)."""
Page = Annotated[int, Ge(1), Le(100_000)]
"""A page number: (page - 1) × size stays far inside a 64-bit OFFSET."""
Limit = Annotated[int, Ge(1), Le(1000)]

YEARS = (1900, 2999)
"""Datetimes outside these years are refused: far enough for history and deadlines,
far enough from datetime's edges that ± a span or a time-zone shift cannot overflow."""

# C0 controls except tab, line feed and carriage return; DEL; lone surrogates; the two noncharacters
# XML 1.0 forbids.  NUL is among them (PostgreSQL), and all of them break XML 1.0 and xlsx cells.
# The bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) too: no Chinese or
# English text needs them, and an override (U+202E) shows a name or title to the next reader in another order
# than it was typed ("Trojan Source"), e.g. a 每月一题 title on the leader's page.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_DATE_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_DT = TypeAdapter(datetime)


def decision_note(note: str | None, zh: str = "请填写审核意见", en: str = "a reason for the decision is required") -> str:
    """The note a centre's decision must carry (appeals, push-downs, reply flags), stripped: at least two
    characters, else a ``note_required`` refusal on the field ``note``.  One rule, so every review asks the same."""
    note = (note or "").strip()
    if len(note) < 2:
        raise BadRequest("note_required", zh, en, field="note")
    return note


def has_control(value: str) -> bool:
    return CONTROL_RE.search(value) is not None


def clean_text(value: str) -> str:
    """The text without the characters ``CONTROL_RE`` names (for channels that repair, not refuse)."""
    return CONTROL_RE.sub("", value)


def printable(value: Any) -> Any:
    """For writers of XML and xlsx: strings lose what those formats cannot hold; other values pass."""
    return CONTROL_RE.sub("", value) if isinstance(value, str) else value


def in_range(dt: datetime) -> bool:
    return YEARS[0] <= dt.year <= YEARS[1]


def to_moment(value: Any, *, end: bool = False, name: str = "datetime") -> datetime:
    """An aware UTC datetime from a W3C/ISO datetime or a date.

    A date alone means that day in the city's time zone: its first instant, or with
    ``end`` the first instant of the next day (for exclusive upper bounds such as
    ``created_to``).  A datetime without an offset is in the city's time zone.
    """
    from hotline.city.service import city_tz  # here, not at the top: this module stays free of DB imports

    tz = city_tz()
    if isinstance(value, date) and not isinstance(value, datetime):
        day: date | None = value
    elif isinstance(value, str) and _DATE_RE.match(value):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{name} is not a valid date") from exc
    else:
        day = None
    if day is not None:
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValueError(f"{name} must be between the years {YEARS[0]} and {YEARS[1]}")
        dt = datetime.combine(day, time(), tzinfo=tz) + (timedelta(days=1) if end else timedelta())
    else:
        if isinstance(value, str):
            value = value.strip()
            if has_control(value):
                raise ValueError(f"{name} contains control characters")
        try:
            dt = value if isinstance(value, datetime) else _DT.validate_python(value)
        except ValidationError as exc:
            raise ValueError(f"{name} must be an ISO 8601 datetime, e.g. 2026-12-01T08:00:00+08:00") from exc
        if not in_range(dt):
            raise ValueError(f"{name} must be between the years {YEARS[0]} and {YEARS[1]}")
        if dt.tzinfo is None or dt.utcoffset() is None:
            dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


def _moment(value: Any) -> Any:
    return value if value is None else to_moment(value)


def _moment_end(value: Any) -> Any:
    return value if value is None else to_moment(value, end=True)


def _aware_moment(value: Any) -> Any:
    if value is None:
        return value
    try:
        dt = value if isinstance(value, datetime) else _DT.validate_python(value)
    except ValidationError as exc:
        raise ValueError("must be an ISO 8601 datetime with a timezone, e.g. 2026-12-01T08:00:00+08:00") from exc
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("a timezone is required, e.g. 2026-12-01T08:00:00+08:00")
    return to_moment(dt)


Moment = Annotated[datetime, BeforeValidator(_moment)]
"""A datetime from outside: aware (a date or a naive time means the city's zone), years in ``YEARS``."""
MomentEnd = Annotated[datetime, BeforeValidator(_moment_end)]
"""An exclusive upper bound: like ``Moment``, but a date alone means up to the end of that day."""
AwareMoment = Annotated[datetime, BeforeValidator(_aware_moment)]
"""A datetime a machine sends (a call event, a decision): its offset is required; years in ``YEARS``."""


# ---- the request edge ---------------------------------------------------------------------------------

CONTROL_REFUSED = ("control_characters", "输入含有不允许的控制字符（如 NUL 或文字方向控制符）",
                   "the input contains control characters (such as NUL or a text-direction override) that are not allowed")
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_CHECKED_BODY = 2 * 1024 * 1024


def _walk(value: Any) -> bool:
    if isinstance(value, str):
        return has_control(value)
    if isinstance(value, dict):
        return any(_walk(k) or _walk(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_walk(v) for v in value)
    return False


def _refuse(where: str) -> BadRequest:
    code, zh, en = CONTROL_REFUSED
    return BadRequest(code, zh, en, field=where)


async def check_request(request: Request) -> None:
    """App-wide dependency: refuse control characters in the path, the query and a JSON or form body.

    Open311 answers in its own error format and repairs text instead (``hotline.open311``),
    so its paths are left to it.  Of a multipart body only the text fields are checked (the
    files' contents are data); a body over ``MAX_CHECKED_BODY`` is left to its handler.
    """
    path = request.scope.get("path", "")
    if path.startswith("/open311/"):
        return
    if has_control(path):
        raise _refuse("path")
    for k, v in request.query_params.multi_items():
        if has_control(k) or has_control(v):
            raise _refuse(k if not has_control(k) else "query")
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in JSON_TYPES and ctype not in FORM_TYPES:
        return
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_CHECKED_BODY:
        return
    if ctype in FORM_TYPES:
        try:
            form = await request.form()  # parsed once: FastAPI and the handler get the same object
        except Exception:  # noqa: BLE001 - an unreadable form is the handler's 422, not ours
            return
        if any(has_control(k) or (isinstance(v, str) and has_control(v)) for k, v in form.multi_items()):
            raise _refuse("body")
        return
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return  # the handler answers 422 for a body that is not JSON
    if _walk(data):
        raise _refuse("body")
