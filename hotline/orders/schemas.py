"""What the API accepts and returns for orders.  Limits here are the user-facing rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from hotline.city.schema import Kind
from hotline.orders import uscc
from hotline.orders.enums import Action, Channel, Urgency
from hotline.validation import DbInt

# The longest demand (诉求内容) accepted anywhere a demand comes in: API, console intake, portal, Open311.
# Real messages run past 2,900 characters (the longest in the training set: 12,220); a longer one is
# refused with a message, never cut.
DEMAND_MAX = 20_000
# What a form field may carry before the request itself is refused: room above DEMAND_MAX so that an
# over-long demand reaches the check that says how long it is (and keeps the rest of the form).
DEMAND_FORM_MAX = 4 * DEMAND_MAX


def demand_too_long(length: int) -> tuple[str, str]:
    """The refusal for a demand over DEMAND_MAX (Chinese, English), with its length."""
    return (f"诉求内容不能超过{DEMAND_MAX}个字（现为{length}字），请精简后再提交",
            f"The demand may have at most {DEMAND_MAX} characters (it has {length}); shorten it and submit again")


PHONE_RE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_RE)]


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    title: str = Field(min_length=2, max_length=60)
    content: str = Field(min_length=5, max_length=DEMAND_MAX)
    channel: Channel = Channel.phone
    category_code: str | None = Field(None, max_length=32)
    citizen_name: str | None = Field(None, max_length=32)
    citizen_phone: Phone | None = None
    anonymous: bool = False
    confidential: bool = False
    address: str | None = Field(None, max_length=200)
    territory_code: str | None = Field(None, max_length=64)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    urgency: Urgency = Urgency.normal
    requester_type: Literal["citizen", "enterprise"] = Field(
        "citizen", description="诉求人类型: an enterprise's demand (涉企诉求) gets its own limits and queue")
    enterprise_uscc: str | None = Field(
        None, min_length=18, max_length=18, description="统一社会信用代码 (GB 32100-2015, check digit verified); "
        "given, it makes the demand an enterprise's")

    @field_validator("enterprise_uscc")
    @classmethod
    def _uscc_ok(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        why = uscc.problem(v)
        if why is not None:
            raise ValueError(f"统一社会信用代码{uscc.PROBLEM_ZH[why]} / invalid unified social credit code ({why})")
        return uscc.normalise(v)

    @model_validator(mode="after")
    def _enterprise_from_code(self) -> OrderCreate:
        if self.enterprise_uscc:
            self.requester_type = "enterprise"
        return self
    note: str | None = Field(None, max_length=1000)
    external_id: str | None = Field(None, max_length=64)
    lead_unit: str | None = Field(None, max_length=64, description="派单 at intake: the lead unit (optional)")
    co_units: list[str] = Field(default_factory=list, max_length=10,
                                description="协办单位 at intake, with a lead unit")


class ActionIn(BaseModel):
    """One action on an order; which fields matter depends on the action (docs/lifecycle.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Action
    expected_version: DbInt | None = Field(None, description="Refuse with 409 if the order has moved on")
    lead_unit: str | None = Field(None, max_length=64)
    co_units: list[str] = Field(default_factory=list, max_length=10)
    subcentre: str | None = Field(None, max_length=64)
    category_code: str | None = Field(None, max_length=32)
    reason: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=2000)
    content: str | None = Field(None, max_length=4000)
    extra_days: int | None = Field(None, ge=1, le=60)
    service: str | None = Field(None, max_length=3)
    channel: str | None = Field(None, max_length=500)
    parent_number: str | None = Field(None, max_length=32)
    to_city: str | None = Field(None, max_length=32, description="transfer_city: the receiving city's code")
    knowledge_entry: str | None = Field(None, max_length=64)
    co_override_reason: str | None = Field(
        None, max_length=2000, description="reply: why the lead replies without the missing co-unit opinions")
    pushdown_reason: str | None = Field(
        None, max_length=2000, description="dispatch: why department work goes to a township (hotline.pushdown)")
    quality_override_reason: str | None = Field(
        None, max_length=2000, description="complete: why a reply scored perfunctory is completed anyway (hotline.replies)")

    def payload(self) -> dict[str, object]:
        return self.model_dump(exclude={"action", "expected_version"}, exclude_none=True)


class UnitRef(BaseModel):
    code: str
    name: str = Field(description="the name valid at the time (a renamed unit keeps its old name on old orders)")
    type: str
    current_name: str | None = Field(None, description="the unit's name today, when it differs from ``name``")


class EventOut(BaseModel):
    at: datetime
    actor: str
    role: str
    action: str
    action_label: str
    from_status: str | None
    to_status: str | None
    unit: str | None
    note: str | None
    data: dict


class ReplyOut(BaseModel):
    kind: str
    unit: str
    author: str | None
    content: str
    created_at: datetime


class AssignmentOut(BaseModel):
    unit: UnitRef
    role: str
    active: bool
    assigned_at: datetime
    signed_at: datetime | None
    replied_at: datetime | None
    end_reason: str | None


class OrderOut(BaseModel):
    number: str
    status: str
    status_label: str
    channel: str
    kind: str
    category_code: str | None
    category_path: str | None
    title: str
    content: str
    citizen_name: str | None
    citizen_phone: str | None
    anonymous: bool
    confidential: bool
    address: str | None
    latitude: float | None
    longitude: float | None
    territory: UnitRef | None
    urgency: str
    requester_type: str = "citizen"
    enterprise_uscc: str | None = None
    lead_unit: UnitRef | None
    co_units: list[UnitRef]
    parent_number: str | None
    created_at: datetime
    first_dispatched_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    sign_due_at: datetime | None
    reply_due_at: datetime | None
    due_at: datetime | None
    deadline_uncertain: bool
    light: str | None
    return_count: int
    redispatch_count: int
    reopen_count: int
    extension_count: int
    pending_extension: bool
    first_contact_resolved: bool
    version: int
    allowed_actions: list[str]


class OrderDetailOut(OrderOut):
    assignments: list[AssignmentOut]
    events: list[EventOut]
    replies: list[ReplyOut]
    attachments: list[dict]
    requests: list[dict]


class OrderPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[OrderOut]
