"""Put the packages' routes straight into the app's route table, instead of ``include_router``.

Why: since FastAPI 0.137 ``include_router`` keeps each included router as one lazy branch
(``fastapi.routing._IncludedRouter``) that is searched on every request, switching a route context
in and out around each of its routes; a request therefore pays about 20 µs for every route before
its own.  The platform installs ~380 routes in ~70 routers, API first, so a console page such as
``/queue`` spent ~7 ms of each GET finding its route (under 1 ms with the same routes in one flat
table; issue #20 item 7, docs/benchmarks.md).

How: each app gets a shallow copy of each route, owned by the app's router: the copy's
``dependency_overrides_provider`` is the app (so ``app.dependency_overrides`` apply, as they do to an
included route), the app's own dependencies (``FastAPI(dependencies=…)``: ``check_request``, which refuses
control characters) run first, as they do for an included route, and its handler is rebuilt with the
public ``APIRoute.get_route_handler`` hook, wrapped as ``APIRoute`` wraps it.  The package's router stays
as it was, for the next app.  Re-adding the routes with ``add_api_route``
(what ``include_router`` did before 0.137) gives the same table but rebuilds every route's response
model: about 1 s per app, and the tests build one app per test.  Our routers carry their prefix, tags and
dependencies on their routes (``APIRouter(prefix=…)`` applies them when a route is added) and are
added with no options, so the table is the same, matched the same way: in order, first match wins,
a path known with another method answers 405.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from fastapi import APIRouter, routing
from fastapi.dependencies.utils import get_parameterless_sub_dependant
from fastapi.routing import APIRoute

#: how APIRoute wraps its handler: FastAPI's own copy of Starlette's (it opens the request's exit stacks)
_wrap = routing.request_response


def add_routes(target: APIRouter, router: APIRouter) -> None:
    """Add copies of ``router``'s routes to ``target``, in order, owned by ``target``; plain API routes only."""
    for route in router.routes:
        if not isinstance(route, APIRoute):  # e.g. a lazily included router: add its routes with add_routes
            raise TypeError(f"{route!r} is not an API route; add a router's routes with hotline.web.routes.add_routes")
        if getattr(route, "max_body_size", None) is not None:  # its handler is wrapped in a limit this copy would lose
            raise TypeError(f"route {route.path} sets max_body_size; include its router with include_router")
        own = copy.copy(route)
        own.dependency_overrides_provider = target.dependency_overrides_provider
        if target.dependencies:  # the app's own (``FastAPI(dependencies=…)``: check_request), first, as include_router did
            subs = [get_parameterless_sub_dependant(depends=d, path=route.path_format) for d in target.dependencies]
            if any(_has_params(sub) for sub in subs):  # they would change the route's body or parameters
                raise TypeError("the target's dependencies must take no parameters of their own (only Request)")
            own.dependencies = [*target.dependencies, *route.dependencies]
            own.dependant = dataclasses.replace(route.dependant, dependencies=[*subs, *route.dependant.dependencies])
        own.app = _wrap(own.get_route_handler())
        target.routes.append(own)


def _has_params(dependant: Any) -> bool:
    """Whether a dependency reads any parameter, body or header of the request (not only ``Request``)."""
    return any(getattr(dependant, kind) for kind in ("path_params", "query_params", "header_params",
                                                        "cookie_params", "body_params")) or any(
        _has_params(sub) for sub in dependant.dependencies)
