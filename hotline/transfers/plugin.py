"""transfers: 转办 between cities — the handlers of 转办 / 接收转办 / 退回转办 (the sender's side of
an answer is a system-only rule the same flow applies), the overdue-acceptance sweep step, pages and API (docs/transfers.md)."""

from __future__ import annotations

from hotline.orders.enums import Action
from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.transfers import flows, pages, views

    r.handler(Action.transfer_city, flows.h_transfer_city)
    r.handler(Action.accept_transfer, flows.h_accept_transfer)
    r.handler(Action.return_transfer, flows.h_return_transfer)
    r.handler(Action.transfer_out_accepted, flows.h_sender_side)  # applied inside the receiving city's flow
    r.handler(Action.transfer_out_returned, flows.h_sender_side)
    r.sweep_step(flows.flag_overdue_transfers)
    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("转办记录", "/transfers", roles={"dispatcher", "supervisor", "leader"}, order=46)
