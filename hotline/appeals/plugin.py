"""appeals: 申诉, unreasonable-demand designations and 派单异议 (with the catalogue change queue) (pages and API); a designated order gets no
callback, and the call-taker sees the caller's designations."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.appeals import pages, service, views

    r.extend("callbacks.skip_reason", service.designation_skip)
    r.extend("duplicates.caller_designations", service.designations_for_phone)
    r.extend("supervision.board_panels", service.objections_board)  # pending 派单异议, overdue first

    r.api(views.router)
    r.pages(pages.router)
    r.nav_item("申诉", "/appeals", roles={"dispatcher", "supervisor", "unit_handler", "unit_leader"}, order=45)
    r.nav_item("目录调整建议", "/catalogue-changes", roles={"admin"}, order=91)
