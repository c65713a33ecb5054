"""Console pages of 转办: the city's transfers (/transfers) and the order page's panel
(``/orders/{number}/transfers-panel``, pulled by the order page with HTMX)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hotline.orders import service as orders
from hotline.org.deps import SessionDep
from hotline.transfers import service
from hotline.transfers.views import require_reader
from hotline.web.pages import PageUser
from hotline.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)


@router.get("/transfers")
def transfers_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    require_reader(user)
    lang = lang_of(request)
    rows = [service.present(db, t, lang=lang) for t in service.list_for_city(db)]
    return render(request, "transfers_list.html", {"rows": rows})


@router.get("/orders/{number}/transfers-panel")
def panel(request: Request, number: str, db: SessionDep, user: PageUser) -> Response:
    order = orders.get_order(db, number=number, user=user)
    lang = lang_of(request)
    incoming = service.incoming_for(db, order)
    rows = [service.present(db, t, lang=lang) for t in service.outgoing_for(db, order)]
    if incoming is not None:
        rows.insert(0, service.present(db, incoming, lang=lang))
    return render(request, "transfers_panel.html", {"rows": rows, "number": order.number})
