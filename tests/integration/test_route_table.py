"""The app's route table is flat (hotline/web/routes.py): every package's routes in installation order.

FastAPI ≥ 0.137 keeps an ``include_router``'d router as a lazy branch searched on every request (~20 µs a
route before the request's own: ~7 ms of each ``/queue`` GET).  These tests hold the table flat and show
that it still routes as before: the first match wins, another method answers 405, the console's
``/orders/new`` comes before ``/orders/{number}``, and the OpenAPI schema still lists the API."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hotline.main import create_app
from hotline.web.routes import add_routes
from tests.conftest import login


def test_no_route_is_a_lazily_included_router() -> None:
    app = create_app()
    branches = [r for r in app.router.routes if hasattr(r, "original_router")]
    assert branches == [], f"{len(branches)} included routers searched on every request"
    paths = [r.path for r in app.router.routes if isinstance(r, APIRoute)]
    assert paths.index("/orders/new") < paths.index("/orders/{number}")
    assert len(paths) > 300


def test_every_route_runs_the_apps_own_dependency_first() -> None:
    """``FastAPI(dependencies=[Depends(check_request)])`` reaches an included route; a flat copy must add it
    itself (the first flat table did not: control characters got through, tests/integration/test_bad_input.py)."""
    from hotline.validation import check_request

    app = create_app()
    routes = [r for r in app.router.routes if isinstance(r, APIRoute) and r.path not in ("/docs", "/healthz",
                                                                                           "/favicon.ico")]
    missing = [r.path for r in routes if not r.dependant.dependencies
               or r.dependant.dependencies[0].call is not check_request]
    assert missing == []


def test_the_schema_is_the_one_include_router_gave() -> None:
    from fastapi import Depends, FastAPI

    from hotline import registry
    from hotline.validation import check_request

    old = FastAPI(dependencies=[Depends(check_request)])
    reg = registry.install()
    for router, _pkg in reg.api_routers + reg.page_routers:
        old.include_router(router)
    assert create_app().openapi()["paths"] == old.openapi()["paths"]


def test_the_flat_table_routes_as_before(client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    login(client, "dispatcher", db=db)
    assert client.get("/queue").status_code == 200
    assert client.get("/orders/new").status_code in (200, 403)  # the intake page, not an order named "new"
    assert client.delete("/healthz").status_code == 405
    schema = client.get("/openapi.json").json()
    assert "/api/v1/orders" in schema["paths"] and not any(p == "/queue" for p in schema["paths"])


def test_an_included_router_is_refused() -> None:
    inner = APIRouter()

    @inner.get("/x")
    def x() -> dict[str, str]:
        return {}

    outer = APIRouter()
    outer.include_router(inner)
    if not any(hasattr(r, "original_router") for r in outer.routes):
        pytest.skip("this FastAPI flattens include_router itself")
    with pytest.raises(TypeError, match="add_routes"):
        add_routes(APIRouter(), outer)
