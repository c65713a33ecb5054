"""The order console's page routers, gathered so that the plugin mounts one thing."""

from fastapi import APIRouter

from hotline.console.intake_pages import router as intake_router
from hotline.console.order_pages import router as order_router
from hotline.console.queue_pages import router as queue_router
from hotline.web.routes import add_routes

router = APIRouter(include_in_schema=False)
add_routes(router, intake_router)  # /orders/new before /orders/{number}
add_routes(router, order_router)
add_routes(router, queue_router)
