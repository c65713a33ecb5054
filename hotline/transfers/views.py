"""The API of 转办: a city's transfers (outgoing and incoming), the province's across its cities.

Sending, accepting and returning are order actions (``POST /api/v1/orders/{number}/actions`` with
``transfer_city`` / ``accept_transfer`` / ``return_transfer``); this router only reads.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from hotline.errors import Forbidden
from hotline.org.deps import CurrentUser, SessionDep
from hotline.org.models import User
from hotline.org.scoping import is_centre
from hotline.transfers import service

router = APIRouter(prefix="/api/v1/transfers", tags=["transfers 转办"])


def require_reader(user: User) -> None:
    """The centre's people and the province's readers; units do not handle transfers."""
    if user.role not in service.LIST_ROLES or (user.role in ("dispatcher", "operator", "supervisor", "leader")
                                               and not is_centre(user)):
        raise Forbidden("role_not_allowed", "您的角色无权查看转办记录", "your role may not read transfers")


@router.get("", summary="转办记录（本市转出与转入；省级：全省）· transfers of the city")
def list_transfers(db: SessionDep, user: CurrentUser,
                   state: Annotated[Literal["requested", "accepted", "returned", "withdrawn"] | None,
                                    Query()] = None) -> list[dict[str, Any]]:
    require_reader(user)
    return [_json(service.present(db, t)) for t in service.list_for_city(db, state=state)]


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
