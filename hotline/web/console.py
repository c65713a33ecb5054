"""Console page routers, gathered here so that ``hotline.main`` mounts one thing.

Also gives the templates their shared labels (``role_labels`` etc.) as Jinja globals.
"""

from fastapi import APIRouter

from hotline.web.console_support import JINJA_GLOBALS
from hotline.web.intake_pages import router as intake_router
from hotline.web.order_pages import router as order_router
from hotline.web.queue_pages import router as queue_router
from hotline.web.templating import templates

templates.env.globals.update(JINJA_GLOBALS)

router = APIRouter(include_in_schema=False)
router.include_router(intake_router)  # /orders/new before /orders/{number}
router.include_router(order_router)
router.include_router(queue_router)
