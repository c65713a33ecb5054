"""REST API: ranked Chinese search over the orders the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from hotline.orders import service as orders
from hotline.org.deps import CurrentUser, SessionDep
from hotline.textindex.orders import search_orders

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search/orders", summary="工单全文检索 · ranked Chinese search over visible orders")
def search(db: SessionDep, user: CurrentUser, request: Request, q: Annotated[str, Query(min_length=1, max_length=200)],
           size: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    lang = "en" if request.cookies.get("lang") == "en" else "zh"
    hits = search_orders(db, user=user, q=q, limit=size)
    return {"items": [{**orders.present(db, o, user, lang=lang), "score": round(s, 4)} for o, s in hits]}
