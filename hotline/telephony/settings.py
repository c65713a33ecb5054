"""The city's rules for missed-call callbacks (漏话回拨), with defaults; ``telephony:`` in the city file.

国办函〔2025〕66号 asks that missed calls be called back (漏话回拨); the limit is the city's
(docs/channels.md, "Missed calls").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hotline.sla.config import Limit, LimitUnit


class MissedCallRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="An abandoned or rung-out call becomes a callback task")
    limit: Limit = Field(default_factory=lambda: Limit(amount=2, unit=LimitUnit.working_hours),
                         description="Call the number back within this limit of the missed call")
    min_wait_s: int = Field(0, ge=0, le=600,
                            description="Calls given up in the queue sooner than this are not tasks (0: all)")
    max_attempts: int = Field(3, ge=1, le=10, description="Unanswered attempts before the task is unreachable")


class TelephonyRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    missed_calls: MissedCallRules = Field(default_factory=MissedCallRules)


def rules() -> TelephonyRules:
    """The acting city's rules (``telephony:`` in its file) or the defaults."""
    try:
        from hotline.city.service import current_city

        raw = getattr(current_city(), "telephony", None)
    except Exception:  # noqa: BLE001 - no city loaded (unit tests): defaults
        raw = None
    return TelephonyRules.model_validate(raw or {})
