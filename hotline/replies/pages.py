"""Console pages for reply quality.

Fragments the order page pulls with HTMX (hotline/web/templates/partials/order_panel.html and
action_form.html): the score beside the reply (``/orders/{n}/reply-quality``), the handler's hint
on the reply form (``…/hint``), and the override field inside the 办结 form (``…/override``), whose
button posts to ``…/complete`` — the same ``do_action`` with ``quality_override_reason``.
Pages: ``/reply-flags`` (a supervisor's open flags; a unit's own) and ``/reply-flags/{id}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hotline.appeals.views import read_files
from hotline.city.schema import Role
from hotline.db import commit_or_conflict, utcnow
from hotline.orders import service as orders
from hotline.orders.actor import Actor
from hotline.orders.enums import Action
from hotline.orders.flows import do_action
from hotline.org.deps import SessionDep
from hotline.org.scoping import is_centre_in, my_units
from hotline.replies import flows, service
from hotline.validation import DbId
from hotline.web.pages import PageUser
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)


def _panel_ctx(db: SessionDep, number: str, user: PageUser) -> dict:
    order = orders.get_order(db, number=number, user=user)
    reply = service.latest_reply(db, order)
    row = service.score_of(db, reply) if reply is not None else None
    score: dict[str, object] | None = None
    if reply is not None and row is None:  # a reply from before the check: score it now, store nothing
        score = service.score_reply(order, reply.content).as_dict()
    elif row is not None:
        score = {"quality": row.quality, "flag": row.flag, "reasons": row.reasons}
    flag = service.flag_of(db, reply.id) if reply is not None else None
    return {"order": order, "reply": reply, "score": score, "flag": flag,
            "flag_state": service.STATE_ZH.get(flag.state) if flag else None}


@router.get("/orders/{number}/reply-quality")
def panel(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    return render(request, "replies_panel.html", _panel_ctx(db, number, user))


@router.get("/orders/{number}/reply-quality/override")
def override_field(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    return render(request, "replies_override.html", _panel_ctx(db, number, user))


@router.post("/orders/{number}/reply-quality/hint")
def hint(request: Request, number: str, db: SessionDep, user: PageUser,
         content: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """The handler's check before sending: the same scoring as at review, on the draft."""
    order = orders.get_order(db, number=number, user=user)
    s = service.score_reply(order, content) if len(content.strip()) >= 10 else None
    return render(request, "replies_hint.html", {"score": s.as_dict() if s else None})


@router.post("/orders/{number}/reply-quality/complete")
def complete_with_override(request: Request, number: str, db: SessionDep, user: PageUser,
                           note: Annotated[str, Form(max_length=2000)] = "",
                           quality_override_reason: Annotated[str, Form(max_length=2000)] = "",
                           expected_version: Annotated[str, Form(max_length=20)] = "") -> Response:
    from hotline.console.order_pages import _done

    order = orders.get_order(db, number=number, user=user)
    payload = {"note": note.strip() or None, "quality_override_reason": quality_override_reason.strip()}
    do_action(db, order=order, actor=Actor.of(user), action=Action.complete, payload=payload,
              expected_version=int(expected_version) if expected_version.isdigit() else None)
    commit_or_conflict(db)
    lang = lang_of(request)
    message = "Done: completed with the reviewer's override" if lang == "en" else "操作成功：审核办结（已说明理由）"
    return _done(request, db, order, user, message)


@router.get("/reply-flags")
def list_page(request: Request, db: SessionDep, user: PageUser, state: str = "", kind: str = "") -> Response:
    state = state if state in service.STATE_ZH else ""
    kind = kind if kind in service.KIND_ZH else ""
    rows = [service.present_flag(f) for f in service.list_flags(db, user=user, state=state or None,
                                                                kind=kind or None)]
    units = None if service.can_see_all(user) else my_units(db, user)
    counted = sum(sum(service.flag_counts(db, unit_ids=units, kind=k).values())
                  for k in ([kind] if kind else list(service.KIND_ZH)))
    return render(request, "replies_flags.html", {"rows": rows, "state": state, "states": service.STATE_ZH,
                                                  "kind": kind, "kinds": service.KIND_ZH, "counted": counted,
                                                  "can_see_rates": service.can_see_all(user),
                                                  "is_supervisor": user.role == "supervisor"})


@router.get("/reply-flags/rates")
def rates_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    """Each unit's suspected-fake-completion rate beside its satisfaction rate, with sample sizes."""
    from hotline.kpi.service import period_from

    service.require_rates_viewer(user)
    period, label, _ = period_from(dict(request.query_params), db=db)
    return render(request, "replies_rates.html", {"rows": service.fake_rates(db, period=period, as_of=utcnow()),
                                                  "period_label": label})


@router.get("/reply-flags/{flag_id}")
def detail_page(request: Request, flag_id: DbId, db: SessionDep, user: PageUser) -> Response:
    flag = service.get_flag(db, flag_id=flag_id, user=user)
    mine = flag.unit_id in my_units(db, user)
    return render(request, "replies_flag.html", {
        "f": service.present_flag(flag), "can_answer": mine and flag.state == "open",
        "can_order_check": is_centre_in(user, Role.supervisor, Role.dispatcher),
        "can_decide": is_centre_in(user, Role.supervisor) and flag.state in ("open", "answered")})


@router.post("/reply-flags/{flag_id}/answer")
async def answer(flag_id: DbId, db: SessionDep, user: PageUser,
                 explanation: Annotated[str, Form(max_length=4000)] = "",
                 files: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    data = await read_files(files)
    return _answer(db, user, flag_id, explanation, data)


def _answer(db: SessionDep, user: PageUser, flag_id: int, explanation: str, data: list[tuple[str, bytes]]) -> Response:
    flag = service.get_flag(db, flag_id=flag_id, user=user)
    flows.do_answer(db, flag=flag, actor=Actor.of(user), explanation=explanation, files=data)
    commit_or_conflict(db)
    return RedirectResponse(f"/reply-flags/{flag_id}", status_code=303)


@router.post("/reply-flags/{flag_id}/decide")
def decide(flag_id: DbId, db: SessionDep, user: PageUser, upheld: Annotated[str, Form()] = "",
           note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    flag = service.get_flag(db, flag_id=flag_id, user=user)
    flows.do_decide(db, flag=flag, actor=Actor.of(user), upheld=upheld == "true", note=note)
    commit_or_conflict(db)
    return RedirectResponse(f"/reply-flags/{flag_id}", status_code=303)
