"""Vocabulary of the work order (工单).  Labels in Chinese are what the console shows."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    received = "received"  # 已受理，待派单
    at_subcentre = "at_subcentre"  # 分中心待派
    dispatched = "dispatched"  # 已派单，待签收
    in_progress = "in_progress"  # 已签收，办理中
    return_requested = "return_requested"  # 退单待审
    suspended = "suspended"  # 挂账
    replied = "replied"  # 已答复，待审核
    completed = "completed"  # 已办结，待回访
    closed = "closed"  # 已归档
    handed_off = "handed_off"  # 已转应急 (110/119/120)
    informed = "informed"  # 已告知 (不属受理范围)
    withdrawn = "withdrawn"  # 已撤诉
    merged = "merged"  # 已并单 (重复工单作废)
    transfer_sent = "transfer_sent"  # 已转办，待对方城市接收 (转办 between cities, hotline.transfers)
    transferred_out = "transferred_out"  # 已转出 (the other city accepted it; this order stays linked, read-only)
    transfer_pending = "transfer_pending"  # 转办待接收 (the receiving city's new order)
    transfer_returned = "transfer_returned"  # 转办已退回 (the receiving city gave it back)


STATUS_ZH: dict[Status, str] = {
    Status.received: "待派单",
    Status.at_subcentre: "分中心待派",
    Status.dispatched: "待签收",
    Status.in_progress: "办理中",
    Status.return_requested: "退单待审",
    Status.suspended: "已挂账",  # not 挂账: that is the action, and one Chinese string has one English
    Status.replied: "已答复待审核",
    Status.completed: "已办结待回访",
    Status.closed: "已归档",
    Status.handed_off: "已转应急",
    Status.informed: "已告知",
    Status.withdrawn: "已撤诉",
    Status.merged: "已并单",
    Status.transfer_sent: "已转办待接收",
    Status.transferred_out: "已转出",
    Status.transfer_pending: "转办待接收",
    Status.transfer_returned: "转办已退回",
}

#: The English of each status label: the only English for them (hotline/i18n reads it, see ``catalogue``).
STATUS_EN: dict[Status, str] = {
    Status.received: "Awaiting dispatch",
    Status.at_subcentre: "At sub-centre",
    Status.dispatched: "Awaiting sign-off",
    Status.in_progress: "In progress",
    Status.return_requested: "Return requested",
    Status.suspended: "Suspended",
    Status.replied: "Replied, under review",
    Status.completed: "Completed, awaiting callback",
    Status.closed: "Closed",
    Status.handed_off: "Handed to emergency services",
    Status.informed: "Informed (out of scope)",
    Status.withdrawn: "Withdrawn",
    Status.merged: "Merged as duplicate",
    Status.transfer_sent: "Transferred, awaiting the other city",
    Status.transferred_out: "Transferred out",
    Status.transfer_pending: "Transfer awaiting acceptance",
    Status.transfer_returned: "Transfer returned",
}

# ── status sets ────────────────────────────────────────────────────────────
# Each set is written here once; queries, the deadline sweep, the board, the
# portal and the pages import it.  ``tests/unit/test_vocab.py`` checks them
# against the state machine (``hotline/orders/lifecycle.py``).

#: Nothing more happens to the order: archived, handed to 110/119/120, told where to go, withdrawn or merged,
#: transferred to another city's hotline (and accepted there), or a transfer this city gave back.
TERMINAL = frozenset({Status.closed, Status.handed_off, Status.informed, Status.withdrawn, Status.merged,
                      Status.transferred_out, Status.transfer_returned})
#: Someone at the centre or a unit still owes work (已办结待回访 waits only for the callback: not open).
OPEN = frozenset(set(Status) - TERMINAL - {Status.completed})
#: The unit's work is done and reviewed (办结, 归档): the citizen may rate it, the router may learn from it.
FINISHED = frozenset({Status.completed, Status.closed})
#: The complete deadline's clock runs: from dispatch until the centre accepts the reply.
#: 挂账 pauses it (``sla.policy.resume_after_pause``); before dispatch there is no unit to hold to it.
CLOCKED = frozenset({Status.dispatched, Status.in_progress, Status.return_requested, Status.replied})
#: The reply deadline runs: a unit holds the order and has not answered yet.
BEFORE_REPLY = CLOCKED - {Status.replied}
#: The sign deadline runs: dispatched, not yet signed for.
AWAITING_SIGN = frozenset({Status.dispatched})
#: A unit's 办理中 tab: signed for and still with the lead unit (a pending return and 挂账 included).
LEAD_IN_HAND = frozenset({Status.in_progress, Status.return_requested, Status.suspended})
#: The order went (or is going) to another city's hotline (转办): tracking it follows the new order there.
TRANSFERRED = frozenset({Status.transfer_sent, Status.transferred_out})
#: A 转办 leaves two orders for one demand; these are the ones that do not carry it (the receiver's copy
#: still waiting, the sender's once accepted, the receiver's once returned): counted once in aggregates.
TRANSFER_SUPERSEDED = frozenset({Status.transfer_pending, Status.transferred_out, Status.transfer_returned})
#: A co-handling unit's tab: the lead unit holds the order and co-opinions are being gathered.
CO_IN_HAND = frozenset({Status.dispatched, Status.in_progress})


#: The status sets, in the order docs/lifecycle.md lists them.
STATUS_SETS: dict[str, frozenset[Status]] = {
    "OPEN": OPEN, "TERMINAL": TERMINAL, "FINISHED": FINISHED, "CLOCKED": CLOCKED, "BEFORE_REPLY": BEFORE_REPLY,
    "AWAITING_SIGN": AWAITING_SIGN, "LEAD_IN_HAND": LEAD_IN_HAND, "CO_IN_HAND": CO_IN_HAND,
    "TRANSFERRED": TRANSFERRED, "TRANSFER_SUPERSEDED": TRANSFER_SUPERSEDED,
}


def status_table() -> str:
    """Every status with its labels and sets, as Markdown for docs/lifecycle.md (a test keeps them equal)."""
    lines = ["| status | 中文 | English | in sets |", "|---|---|---|---|"]
    for s in Status:
        sets = ", ".join(f"`{name}`" for name, members in STATUS_SETS.items() if s in members)
        lines.append(f"| `{s.value}` | {STATUS_ZH[s]} | {STATUS_EN[s]} | {sets} |")
    return "\n".join(lines)


class Action(StrEnum):
    create = "create"  # 受理
    answer_first_contact = "answer_first_contact"  # 即时办结
    dispatch = "dispatch"  # 派单
    dispatch_to_subcentre = "dispatch_to_subcentre"  # 派至分中心
    subdispatch = "subdispatch"  # 分中心派单
    sign = "sign"  # 签收
    request_return = "request_return"  # 申请退单
    approve_return = "approve_return"  # 同意退单
    reject_return = "reject_return"  # 驳回退单
    redispatch = "redispatch"  # 改派
    request_extension = "request_extension"  # 申请延期
    approve_extension = "approve_extension"  # 同意延期
    reject_extension = "reject_extension"  # 驳回延期
    add_co_unit = "add_co_unit"  # 增加协办单位
    remove_co_unit = "remove_co_unit"  # 撤销协办单位
    co_reply = "co_reply"  # 协办意见
    reply = "reply"  # 答复
    complete = "complete"  # 办结 (审核通过)
    reopen = "reopen"  # 重办
    close = "close"  # 归档
    suspend = "suspend"  # 挂账
    resume = "resume"  # 恢复办理
    hand_off = "hand_off"  # 转110/119/120
    inform = "inform"  # 告知
    withdraw = "withdraw"  # 撤诉
    cancel_duplicate = "cancel_duplicate"  # 作为重复件并单
    unmerge = "unmerge"  # 撤销并单
    comment = "comment"  # 备注
    urge = "urge"  # 催办
    supervise = "supervise"  # 督办 / 挂牌督办
    respond_supervision = "respond_supervision"  # 督办回复
    transfer_city = "transfer_city"  # 转办 (to another city's centre, hotline.transfers)
    accept_transfer = "accept_transfer"  # 接收转办
    return_transfer = "return_transfer"  # 退回转办
    transfer_out_accepted = "transfer_out_accepted"  # 对方接收转办 (the sender's side, system)
    transfer_out_returned = "transfer_out_returned"  # 对方退回转办 (the sender's side, system)
    any = "*"  # hooks only: every action


ACTION_ZH: dict[Action, str] = {
    Action.create: "受理",
    Action.answer_first_contact: "即时办结",
    Action.dispatch: "派单",
    Action.dispatch_to_subcentre: "派至分中心",
    Action.subdispatch: "分中心派单",
    Action.sign: "签收",
    Action.request_return: "申请退单",
    Action.approve_return: "同意退单",
    Action.reject_return: "驳回退单",
    Action.redispatch: "改派",
    Action.request_extension: "申请延期",
    Action.approve_extension: "同意延期",
    Action.reject_extension: "驳回延期",
    Action.add_co_unit: "增加协办单位",
    Action.remove_co_unit: "撤销协办单位",
    Action.co_reply: "协办意见",
    Action.reply: "答复",
    Action.complete: "审核办结",
    Action.reopen: "重办",
    Action.close: "归档",
    Action.suspend: "挂账",
    Action.resume: "恢复办理",
    Action.hand_off: "转应急",
    Action.inform: "告知",
    Action.withdraw: "撤诉",
    Action.cancel_duplicate: "并单作废",
    Action.unmerge: "撤销并单",
    Action.comment: "备注",
    Action.urge: "催办",
    Action.supervise: "督办",
    Action.respond_supervision: "督办回复",
    Action.transfer_city: "转办",
    Action.accept_transfer: "接收转办",
    Action.return_transfer: "退回转办",
    Action.transfer_out_accepted: "对方接收转办",
    Action.transfer_out_returned: "对方退回转办",
    Action.any: "任意操作",
}

#: The English of each action label: the only English for them (``hotline.i18n.action_label``).
ACTION_EN: dict[Action, str] = {
    Action.create: "Intake",
    Action.answer_first_contact: "Answered at first contact",
    Action.dispatch: "Dispatch",
    Action.dispatch_to_subcentre: "Send to sub-centre",
    Action.subdispatch: "Sub-centre dispatch",
    Action.sign: "Sign",
    Action.request_return: "Request return",
    Action.approve_return: "Approve return",
    Action.reject_return: "Reject return",
    Action.redispatch: "Redispatch",
    Action.request_extension: "Request extension",
    Action.approve_extension: "Approve extension",
    Action.reject_extension: "Reject extension",
    Action.add_co_unit: "Add co-units",
    Action.remove_co_unit: "Remove a co-unit",
    Action.co_reply: "Co-handler's opinion",
    Action.reply: "Reply",
    Action.complete: "Approve completion",
    Action.reopen: "Reopen",
    Action.close: "Close",
    Action.suspend: "Suspend",
    Action.resume: "Resume",
    Action.hand_off: "Hand off to 110/119/120",
    Action.inform: "Inform",
    Action.withdraw: "Withdraw",
    Action.cancel_duplicate: "Merge as duplicate",
    Action.unmerge: "Undo merge",
    Action.comment: "Note",
    Action.urge: "Urge",
    Action.supervise: "Supervise",
    Action.respond_supervision: "Answer supervision",
    Action.transfer_city: "Transfer to another city",
    Action.accept_transfer: "Accept transfer",
    Action.return_transfer: "Return transfer",
    Action.transfer_out_accepted: "Transfer accepted by the other city",
    Action.transfer_out_returned: "Transfer returned by the other city",
    Action.any: "Any action",
}


class Channel(StrEnum):
    phone = "phone"  # 电话
    web = "web"  # 网站
    app = "app"  # 移动端
    wechat = "wechat"  # 微信
    api = "api"  # 接口
    open311 = "open311"
    email = "email"
    import_ = "import"  # 历史导入
    grid = "grid"  # 网格员主动发现 (patrol report)
    linkage = "linkage"  # 110/119/120/122 联动转入 (hotline.linkage: a desk hands a non-emergency demand to 12345)


CHANNEL_ZH = {
    Channel.phone: "电话",
    Channel.web: "网站",
    Channel.app: "移动端",
    Channel.wechat: "微信",
    Channel.api: "接口",
    Channel.open311: "Open311",
    Channel.email: "邮件",
    Channel.import_: "导入",
    Channel.grid: "网格",
    Channel.linkage: "110联动",
}


class Urgency(StrEnum):
    normal = "normal"  # 一般
    urgent = "urgent"  # 紧急


class EmergencyService(StrEnum):
    """The numbers an order is handed off to (转应急): the hand-off form, its check and the demo read this."""

    police = "110"
    fire = "119"
    ambulance = "120"
    traffic = "122"  # 交通事故 (hotline.linkage: the same exchange as 110)


EMERGENCY_ZH: dict[EmergencyService, str] = {
    EmergencyService.police: "公安",
    EmergencyService.fire: "消防",
    EmergencyService.ambulance: "急救",
    EmergencyService.traffic: "交警",
}
#: "110/119/120", for messages that list them.
EMERGENCY_NUMBERS = "/".join(EmergencyService)
