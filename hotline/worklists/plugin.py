"""worklists: saved views (API, the views bar on the lists) and bulk work on selected orders."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.web.templating import templates
    from hotline.worklists import flows, pages, views

    templates.env.globals["bulk_roles"] = flows.BULK_ROLES  # the order list shows its checkboxes to these
    templates.env.globals["bulk_lists"] = flows.LIST_ROLES  # and the queue's and the inbox's, to these
    r.api(views.router)
    r.pages(pages.router)
