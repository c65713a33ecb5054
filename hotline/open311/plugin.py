"""open311: the GeoReport v2 API."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    from hotline.open311 import views

    r.api(views.router)
