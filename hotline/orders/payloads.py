"""What each action takes, once: its fields, which are required, their labels and minimum lengths.

The handlers read their texts through ``text(payload, action, name)`` and the console builds each
action's form from ``form(action)`` (the fields, their Chinese labels, ``required`` and ``minlength``),
so the form can never ask for less (or more) than the handler accepts. Before issue #11 the labels and
minimum lengths sat in the template and the handlers separately, and drifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.errors import BadRequest
from hotline.orders.enums import Action

A = Action


@dataclass(frozen=True)
class Field:
    """One field of an action's form; free texts carry their label and length limits."""

    name: str
    label: str = ""
    required: bool = False
    min_len: int = 0
    max_len: int = 2000

    @property
    def is_text(self) -> bool:
        return self.name in TEXT_FIELDS


TEXT_FIELDS = frozenset({"reason", "note", "content", "channel", "co_override_reason"})


def _note(label: str = "备注", *, required: bool = False) -> Field:
    return Field("note", label, required=required, min_len=2 if required else 0)


def _reason(label: str, min_len: int = 5) -> Field:
    return Field("reason", label, required=True, min_len=min_len)


_DISPATCH = (Field("lead_unit", "主办单位", required=True), Field("co_units", "协办单位（可多选）"),
             Field("category_code", "诉求分类"), _note())

FORMS: dict[Action, tuple[Field, ...]] = {
    A.dispatch: _DISPATCH, A.subdispatch: _DISPATCH, A.redispatch: _DISPATCH,
    A.dispatch_to_subcentre: (Field("subcentre", "分中心", required=True), Field("category_code", "诉求分类"), _note()),
    A.request_return: (_reason("退单理由"),),
    A.approve_return: (_note("审核意见"),),
    A.reject_return: (_note("驳回理由", required=True),),
    A.request_extension: (Field("extra_days", "延期天数（工作日）", required=True), _reason("延期理由")),
    A.approve_extension: (_note("审核意见"),),
    A.reject_extension: (_note("驳回理由", required=True),),
    A.reply: (Field("content", "答复内容", required=True, min_len=10, max_len=4000),
              Field("co_override_reason", "不待协办意见直接答复的理由", min_len=5)),
    A.co_reply: (Field("content", "协办意见", required=True, min_len=10, max_len=4000),),
    A.answer_first_contact: (Field("content", "答复内容（即时办结）", required=True, min_len=10, max_len=4000),),
    A.add_co_unit: (Field("co_units", "要增加的协办单位（可多选）", required=True), _note("协办要求")),
    A.remove_co_unit: (Field("co_units", "要撤销的协办单位", required=True), _reason("撤销协办的理由")),
    A.complete: (_note("办结意见"),),
    A.reopen: (_reason("重办理由"),),
    A.close: (_note("回访记录"),),
    A.suspend: (_reason("挂账理由"),),
    A.resume: (_note(),),
    A.hand_off: (Field("service", "转办号码", required=True), _reason("转办理由", min_len=4), _note()),
    A.inform: (Field("channel", "告知的办理渠道", required=True, min_len=4, max_len=500),),
    A.withdraw: (_reason("撤诉原因", min_len=2),),
    A.cancel_duplicate: (Field("parent_number", "主工单编号", required=True, max_len=32), _note()),
    A.unmerge: (_reason("撤销并单理由", min_len=2),),
    A.comment: (_note("备注内容", required=True),),
    A.sign: (_note(),),
    A.urge: (_note("催办内容", required=True),),
    A.supervise: (_note("督办要求", required=True),),
    A.respond_supervision: (Field("content", "督办回复内容", required=True, min_len=5, max_len=4000),),
    A.transfer_city: (Field("to_city", "转办至城市", required=True, max_len=32), _reason("转办理由")),
    A.accept_transfer: (_note("接收意见"),),
    A.return_transfer: (_reason("退回理由"),),
    A.transfer_out_accepted: (_note(),),  # system-only: applied by accept_transfer's flow
    A.transfer_out_returned: (_note(),),  # system-only: applied by return_transfer's flow
}


def form(action: Action | str) -> tuple[Field, ...]:
    """The fields of an action's form, in order (a plain note when the action declares none, or for a
    name that is no action: the caller refuses it with its own 4xx)."""
    try:
        return FORMS.get(Action(action), (_note(),))
    except ValueError:
        return (_note(),)


def field(action: Action | str, name: str) -> Field:
    for f in form(action):
        if f.name == name:
            return f
    raise KeyError(f"{action} has no field {name}")


def check_text(payload: dict[str, Any], key: str, zh: str, *, min_len: int = 2, max_len: int = 4000) -> str:
    """A required free-text field, trimmed, with a bilingual error naming it (shared by other packages)."""
    value = str(payload.get(key) or "").strip()
    if len(value) < min_len:
        raise BadRequest(f"{key}_required", f"请填写{zh}（至少{min_len}个字）",
                         f"{key} is required (at least {min_len} characters)", field=key)
    if len(value) > max_len:
        raise BadRequest(f"{key}_too_long", f"{zh}不能超过{max_len}个字",
                         f"{key} must be at most {max_len} characters", field=key)
    return value


def text(payload: dict[str, Any], action: Action, name: str) -> str:
    """The action's free text ``name``, checked against its one declaration in ``FORMS``."""
    f = field(action, name)
    return check_text(payload, name, f.label, min_len=max(f.min_len, 1), max_len=f.max_len)
