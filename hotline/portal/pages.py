"""The citizen portal: /portal (submit), /portal/track (look up by number + phone), /portal/rate.

No login: a citizen is identified for one order by its number plus the full
phone number they gave (docs/channels.md explains the choice over SMS codes).
Anti-abuse: a honeypot field, content limits, and token-bucket rate limits per
client address and per phone / order number (``ratelimit.py``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from hotline.city.schema import KIND_LABELS_ZH
from hotline.config import get_settings
from hotline.db import commit_or_conflict
from hotline.errors import AppError, RateLimited
from hotline.idempotency import service as idem
from hotline.orders.schemas import DEMAND_FORM_MAX
from hotline.org.deps import SessionDep
from hotline.portal import ratelimit
from hotline.portal.flows import CONTENT_MAX, MAX_PHOTOS, RATINGS, do_rate, do_submit_demand, existing_rating
from hotline.portal.service import callback_rating_link, citizen_view, find_own_order
from hotline.web.security import client_ip
from hotline.web.templating import render
from hotline.web.uploads import read_uploads

router = APIRouter(include_in_schema=False)


def _ip(request: Request) -> str:
    """The TCP peer; X-Forwarded-For only from HOTLINE_TRUSTED_PROXIES (hotline/web/security.py)."""
    return client_ip(request)


def _limited() -> RateLimited:
    return RateLimited("rate_limited", "操作过于频繁，请稍后再试", "too many requests; please try again later")


def _form_page(request: Request, values: dict[str, Any], error: AppError | None = None) -> Response:
    return render(request, "portal_submit.html", {
        "kinds": [(k.value, v) for k, v in KIND_LABELS_ZH.items()], "v": values, "error": error,
        "content_max": CONTENT_MAX, "max_photos": MAX_PHOTOS,
        "max_mb": get_settings().max_upload_bytes // (1024 * 1024)},
        status_code=error.status_code if error else 200)


@router.get("/portal")
def submit_form(request: Request) -> Response:
    # a fresh key per form: a double click or a resent form replays the receipt, never a second order
    return _form_page(request, {"kind": "help", "idempotency_key": uuid.uuid4().hex})


@router.post("/portal")
def submit(request: Request, db: SessionDep, kind: Annotated[str, Form(max_length=16)] = "",
           content: Annotated[str, Form(max_length=DEMAND_FORM_MAX)] = "", address: Annotated[str, Form(max_length=1000)] = "",
           phone: Annotated[str, Form(max_length=40)] = "", name: Annotated[str, Form(max_length=200)] = "",
           website: Annotated[str, Form(max_length=500)] = "",
           idempotency_key: Annotated[str, Form(max_length=200)] = "",
           photos: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    values = {"kind": kind, "content": content, "address": address, "phone": phone, "name": name}
    try:
        if website:  # the honeypot: a field people never see, that form-filling bots do fill
            raise AppError("rejected", "提交失败，请稍后重试", "submission refused", status_code=400)
        key = idem.key_of(request, idempotency_key)
        values["idempotency_key"] = key or uuid.uuid4().hex
        if key is not None:
            # a resent form is answered before the rate limits: it creates nothing
            client = f"portal:{_ip(request)}:{''.join(phone.split())}"
            fp = {**values, "photos": [f.filename for f in photos or [] if f.filename]}
            try:
                claim = idem.claim(db, client=client, key=key, fingerprint=idem.fingerprint("POST", "/portal", fp))
            except AppError as exc:
                if exc.code != "idempotency_key_reused":
                    raise
                values["idempotency_key"] = uuid.uuid4().hex  # submitting again is a new demand, on purpose
                number = exc.details.get("number") or ""
                raise AppError("form_already_submitted",
                               f"此表单已提交过（工单编号{number}）。如需反映另一件诉求，请确认内容后再次提交。",
                               f"this form was already submitted (order {number}). To report another matter, "
                               "check the text and submit again.", status_code=409) from exc
            if claim.replay is not None:
                return claim.replay
        if not ratelimit.SUBMIT_PER_IP.allow(_ip(request)):
            raise _limited()
        # count and declared sizes first, then chunked reads with a cap (hotline/web/uploads.py)
        files = read_uploads(photos, max_count=MAX_PHOTOS, max_bytes=get_settings().max_upload_bytes,
                             field="photos", noun=("张照片", "photos"))
        if not ratelimit.SUBMIT_PER_PHONE.allow("".join(phone.split())):
            raise _limited()
        order = do_submit_demand(db, form=values, photos=files)
        done = render(request, "portal_done.html", {"number": order.number}, status_code=201)
        if key is not None:
            idem.record(db, claim, response=done, order_number=order.number)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _form_page(request, values, exc)
    return done


def _track_page(request: Request, values: dict[str, Any], error: AppError | None = None,
                order: dict[str, Any] | None = None, **extra: Any) -> Response:
    return render(request, "portal_track.html", {"v": values, "error": error, "order": order,
                                                 "ratings": RATINGS, **extra},
                  status_code=error.status_code if error else 200)


@router.get("/portal/track")
def track_form(request: Request, number: str = "") -> Response:
    return _track_page(request, {"number": number[:32]})


def _verified(request: Request, db: Any, number: str, phone: str) -> Any:
    if not ratelimit.TRACK_PER_IP.allow(_ip(request)):
        raise _limited()
    key = number.strip().upper()
    if not ratelimit.TRACK_FAIL_PER_NUMBER.peek(key):
        raise _limited()
    order = find_own_order(db, number=number, phone=phone)
    if order is None:
        ratelimit.TRACK_FAIL_PER_NUMBER.allow(key)  # failures only count against the number
        raise AppError("not_found_or_mismatch", "工单编号与手机号码不匹配，请核对后重试",
                       "the order number and phone number do not match", status_code=404)
    return order


@router.post("/portal/track")
def track(request: Request, db: SessionDep, number: Annotated[str, Form(max_length=40)] = "",
          phone: Annotated[str, Form(max_length=40)] = "") -> Response:
    values = {"number": number, "phone": phone}
    try:
        order = _verified(request, db, number, phone)
    except AppError as exc:
        return _track_page(request, values, exc)
    return _track_page(request, values, order=citizen_view(db, order), rated=existing_rating(db, order),
                       rating_link=callback_rating_link(db, order))


@router.post("/portal/rate")
def rate(request: Request, db: SessionDep, number: Annotated[str, Form(max_length=40)] = "",
         phone: Annotated[str, Form(max_length=40)] = "", rating: Annotated[str, Form(max_length=16)] = "",
         comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    values = {"number": number, "phone": phone}
    try:
        order = _verified(request, db, number, phone)
    except AppError as exc:
        return _track_page(request, values, exc)
    try:
        do_rate(db, order=order, rating=rating, comment=comment)
        commit_or_conflict(db)
    except AppError as exc:
        db.rollback()
        return _track_page(request, values, exc, order=citizen_view(db, order), rated=existing_rating(db, order))
    return _track_page(request, values, order=citizen_view(db, order), rated=rating, thanks=True)
