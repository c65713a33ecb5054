"""The order console's page routers, gathered so that the plugin mounts one thing."""

from fastapi import APIRouter

from hotline.console.intake_pages import router as intake_router
from hotline.console.order_pages import router as order_router
from hotline.console.queue_pages import router as queue_router

router = APIRouter(include_in_schema=False)
router.include_router(intake_router)  # /orders/new before /orders/{number}
router.include_router(order_router)
router.include_router(queue_router)
