"""Every notice topic, declared once: payload fields, Chinese and English titles, texts, audience.

Why one table (issue #11 item 2, issue #12 item 7): the rating link went into
the payload of ``callback.rating_link`` while the SMS sender sent only the
subject and a few known fields, so the citizen never got it; topics without an
entry in the old title map showed raw codes in the inbox.  Now the flows queue
a topic, and every sender renders from its declaration here:

- ``title`` (zh) and ``title_en``: the inbox title and e-mail subject;
- ``sms``: for topics texted to citizens, the whole text with ``{field}``
  placeholders — each placeholder is a payload field (``number``, ``url`` …)
  or ``{sig}`` (the hotline's signature) / ``{portal}`` (where to look it up);
- ``body``: the lines of the inbox / e-mail body, as ``(field, label)``;
- ``fields``: the payload fields the flows must put in (a test checks that
  every placeholder and body field is among them, and that every topic the
  code queues is declared here);
- ``audience`` and ``channel``: who receives it today, as the flows decide it
  (documentation; the flows, not this table, choose recipients).

The docs table in docs/channels.md is generated from ``TOPICS`` (``docs_table``)
and a test compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Topic:
    code: str
    title: str
    title_en: str
    channel: str  # inbox | sms | webhook
    audience: str
    fields: tuple[str, ...] = ("number", "title")
    sms: str | None = None
    body: tuple[tuple[str, str], ...] = ()


_NOTE = (("note", ""),)
_T = Topic
_DECLARED: list[Topic] = [
    # ---- to citizens (SMS): the text carries the order number and where to look, never the demand
    _T("order.received", "工单已受理", "Demand received", "sms", "citizen (caller's phone)",
       ("number",), sms="{sig}您反映的诉求已受理，工单编号{number}。可凭工单编号和手机号码在{portal}查询办理进度。"),
    _T("order.repeat_attached", "重复诉求已并单", "Repeat demand merged", "sms",
       "citizen (caller's phone) of a repeat call merged into their open order", ("earlier", "status"),
       sms="{sig}您反映的问题已有工单{earlier}正在办理（当前状态：{status}），本次来电已并入该工单，"
           "不再重复派单。可凭工单编号{earlier}和手机号码在{portal}查询办理进度。"),
    _T("order.repeat_urgent", "重复来电，紧急程度已提升", "Repeat calls: urgency raised", "inbox", "centre",
       ("number", "repeats"), body=(("repeats", "重复来电次数"),)),
    _T("order.completed", "工单已办结", "Order completed", "sms",
       "citizen (caller's phone; also callers of merged duplicates)", ("number",),
       sms="{sig}您的工单{number}已办结，请在{portal}查看答复并对办理结果进行评价，感谢您的支持。"),
    _T("callback.rating_link", "满意度评价邀请", "Rating invitation", "sms", "citizen (caller's phone)",
       ("number", "url", "days"),
       sms="{sig}您反映的问题（工单{number}）已办结，请在{days}天内点击链接评价：{url}（满意/基本满意/不满意）。"),
    _T("order.transferred", "工单已转办", "Order transferred to another city", "sms",
       "citizen (caller's phone), when the receiving city accepts", ("number", "city", "new_number"),
       sms="{sig}您的工单{number}已转至{city}12345热线办理，新工单编号{new_number}。可凭原工单编号和手机号码在{portal}查询办理进度。"),
    # ---- to units and the centre (console inbox)
    _T("order.dispatched", "新派工单", "New order dispatched", "inbox", "lead unit"),
    _T("order.co_removed", "协办撤销", "Co-handling withdrawn", "inbox", "the removed co-unit",
       ("number", "title", "reason"), body=(("reason", "理由"),)),
    _T("order.at_subcentre", "分中心待派工单", "Order awaiting the sub-centre", "inbox", "district sub-centre"),
    _T("order.return_requested", "退单申请", "Return requested", "inbox", "centre",
       ("number", "title", "reason"), body=(("reason", "退单理由"),)),
    _T("order.return_approved", "退单已同意", "Return approved", "inbox", "the returning unit"),
    _T("order.return_rejected", "退单被驳回", "Return rejected", "inbox", "lead unit",
       ("number", "title", "note"), body=_NOTE),
    _T("order.extension_requested", "延期申请", "Extension requested", "inbox", "centre",
       ("number", "title", "days"), body=(("days", "申请延长（天）"),)),
    _T("order.extension_approved", "延期已同意", "Extension approved", "inbox", "lead unit"),
    _T("order.replied", "工单已答复", "Order replied", "inbox", "centre"),
    _T("order.reopened", "工单重办", "Order reopened", "inbox", "lead unit",
       ("number", "title", "reason"), body=(("reason", "重办理由"),)),
    _T("order.urged", "催办", "Reminder (催办)", "inbox", "lead unit",
       ("number", "title", "note", "respond_by"), body=(("note", ""), ("respond_by", "回复期限"))),
    _T("order.supervised", "督办", "Supervision (督办)", "inbox",
       "lead unit, its leaders, the centre's supervisors",
       ("number", "title", "note", "level", "respond_by"), body=(("note", ""), ("respond_by", "回复期限"))),
    _T("supervision.answered", "督办已回复", "Supervision answered", "inbox",
       "the centre's supervisors and the issuer", ("number", "title", "late")),
    _T("supervision.overdue", "督办回复超期", "Supervision reply overdue", "inbox",
       "lead unit, its leaders, the centre's supervisors", ("number", "title", "respond_by"),
       body=(("respond_by", "回复期限"),)),
    _T("accountability.decided", "问责决定", "Accountability decision", "inbox", "the unit's leaders",
       ("outcome", "finding"), body=(("finding", ""),)),
    _T("appeal.filed", "申诉待审核", "Appeal filed", "inbox", "centre", ("number", "kind")),
    _T("appeal.accepted", "申诉已采纳", "Appeal accepted", "inbox", "the appealing unit",
       ("number", "note"), body=_NOTE),
    _T("appeal.rejected", "申诉被驳回", "Appeal rejected", "inbox", "the appealing unit",
       ("number", "note"), body=_NOTE),
    _T("reply.flagged", "答复被标记为敷衍答复", "Reply flagged as perfunctory", "inbox", "the replying unit",
       ("number", "title", "reasons"), body=(("reasons", "理由"),)),
    _T("reply_flag.answered", "敷衍答复标记待裁定", "Perfunctory-reply flag answered", "inbox",
       "the centre's supervisors", ("number", "title", "explanation"), body=(("explanation", "情况说明"),)),
    _T("reply_flag.decided", "敷衍答复标记已裁定", "Perfunctory-reply flag decided", "inbox", "the flagged unit",
       ("number", "title", "decision", "note"), body=(("decision", "裁定"), ("note", "意见"))),
    _T("surge.raised", "突发预警", "Surge alert", "inbox", "the centre's leaders and supervisors",
       ("name", "day", "observed", "expected", "url"),
       body=(("name", "预警"), ("day", "日期"), ("observed", "实际"), ("expected", "预期"), ("url", "链接"))),
    _T("governance.assigned", "每月一题交办", "Monthly topic assigned", "inbox", "the project's owner unit",
       ("title", "deadline", "goal", "url"),
       body=(("title", "题目"), ("goal", "治理目标"), ("deadline", "完成时限"), ("url", "链接"))),
    _T("proactive.assigned", "未诉先办任务", "Proactive task (未诉先办)", "inbox", "the task's responsible unit",
       ("title", "window", "predicted", "url"),
       body=(("title", "任务"), ("window", "时间窗口"), ("predicted", "预计来电"), ("url", "链接"))),
    _T("fake_case.raised", "疑似虚假办结", "Suspected fake completion", "inbox",
       "the centre's supervisors and the unit that replied", ("number", "title", "reason"), body=(("reason", "理由"),)),
    _T("fake_case.answered", "疑似虚假办结待裁定", "Suspected fake completion answered", "inbox",
       "the centre's supervisors", ("number", "title", "explanation"), body=(("explanation", "情况说明"),)),
    _T("fake_case.decided", "疑似虚假办结已裁定", "Suspected fake completion decided", "inbox", "the unit",
       ("number", "title", "decision", "note"), body=(("decision", "裁定"), ("note", "意见"))),
    _T("site_check.assigned", "现场核查任务", "On-site check assigned", "inbox", "the community's grid workers",
       ("number", "title", "instructions"), body=(("instructions", "核查要求"),)),
    _T("site_check.done", "现场核查结果", "On-site check result", "inbox", "whoever ordered the check",
       ("number", "title", "result", "note"), body=(("result", "核查结果"), ("note", "情况"))),
    _T("designation.filed", "不合理诉求认定待审核", "Unreasonable-demand designation filed", "inbox", "centre",
       ("number", "kind")),
    _T("designation.accepted", "不合理诉求认定已采纳", "Designation accepted", "inbox", "the requesting unit",
       ("number", "note"), body=_NOTE),
    _T("designation.rejected", "不合理诉求认定被驳回", "Designation rejected", "inbox", "the requesting unit",
       ("number", "note"), body=_NOTE),
    _T("objection.filed", "派单异议待审核", "Dispatch objection filed", "inbox", "centre", ("number", "kind")),
    _T("objection.accepted", "派单异议成立", "Dispatch objection sustained", "inbox", "the objecting unit",
       ("number", "note"), body=_NOTE),
    _T("objection.rejected", "派单异议不成立", "Dispatch objection rejected", "inbox", "the objecting unit",
       ("number", "note"), body=_NOTE),
    _T("knowledge.review_due", "知识条目待复审", "Knowledge entry due for review", "inbox", "the owning unit",
       ("question", "review_date"), body=(("question", ""), ("review_date", "复审日期"))),
    _T("order.repeat_merged", "重复来电已并单", "Repeat call merged", "inbox", "centre",
       ("number", "earlier"), body=(("earlier", "原工单"),)),
    _T("order.repeat_merge_suggested", "疑似重复来电", "Possible repeat call", "inbox", "centre",
       ("number", "earlier"), body=(("earlier", "原工单"),)),
    _T("order.repeat_reopen_suggested", "重复来电（建议重办）", "Repeat call: reopen suggested", "inbox", "centre",
       ("number", "earlier"), body=(("earlier", "原工单"),)),
    _T("transfer.requested", "转办待接收", "Transfer to accept", "inbox", "the receiving city's dispatchers",
       ("number", "title", "from_city", "from_number", "reason", "due"),
       body=(("from_city", "转出城市"), ("from_number", "原工单"), ("reason", "转办理由"), ("due", "接收时限"))),
    _T("transfer.accepted", "转办已接收", "Transfer accepted", "inbox", "the sending city's dispatchers",
       ("number", "title", "to_city", "to_number"), body=(("to_city", "接收城市"), ("to_number", "新工单"))),
    _T("transfer.returned", "转办被退回", "Transfer returned", "inbox", "the sending city's dispatchers",
       ("number", "title", "to_city", "reason"), body=(("to_city", "接收城市"), ("reason", "退回理由"))),
    _T("transfer.overdue", "转办接收超期", "Transfer not accepted in time", "inbox",
       "the dispatchers of both cities", ("number", "title", "due", "to_number"),
       body=(("due", "接收时限"), ("to_number", "新工单"))),
    _T("report.monthly", "月度分析报告", "Monthly analysis report", "inbox",
       "subscribed leaders (inbox; e-mail with the PDF when SMTP is configured)", ("title", "month", "url"),
       body=(("month", "统计月份"), ("url", "查看报告"))),
    # ---- to subscribed systems: one family, the order action in the topic (webhook.order.dispatch …)
    _T("webhook.order.*", "Webhook事件", "Webhook event", "webhook", "webhook subscribers", ("subscription_id", "body")),
]
TOPICS: dict[str, Topic] = {t.code: t for t in _DECLARED}
assert len(TOPICS) == len(_DECLARED), "a topic is declared twice"


def topic(code: str) -> Topic | None:
    """The declaration of a topic (``webhook.order.<action>`` falls under ``webhook.order.*``)."""
    if code in TOPICS:
        return TOPICS[code]
    head, _, _ = code.rpartition(".")
    return TOPICS.get(f"{head}.*") if head else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def title(code: str, payload: dict[str, Any], *, en: bool = False) -> str:
    """The inbox title / e-mail subject: 【督办】 QY20260302-0001 路灯不亮."""
    t = topic(code)
    head = (t.title_en if en else t.title) if t else code
    return " ".join(x for x in (f"【{head}】", _text(payload.get("number")), _text(payload.get("title"))) if x)


def body(code: str, payload: dict[str, Any]) -> str:
    """The inbox / e-mail body: the declared fields that are present, one per line."""
    t = topic(code)
    lines = []
    for field, label in (t.body if t else ()):
        value = payload.get(field)
        if value not in (None, ""):
            lines.append(f"{label}：{value}" if label else _text(value))
    return "\n".join(lines)


def sms_text(code: str, payload: dict[str, Any], *, hotline: str, portal: str) -> str:
    """The whole SMS text: the topic's declared text, or (for a topic with none) title and body."""
    t = topic(code)
    if t is None or t.sms is None:
        return " ".join(x for x in (title(code, payload), body(code, payload).replace("\n", " ")) if x)
    values = {f: _text(payload.get(f)) for f in t.fields}
    return t.sms.format(sig=f"【{hotline}】", portal=portal, **values)


def placeholders(template: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def docs_table() -> str:
    """The table of topics in docs/channels.md (a test compares them)."""
    rows = ["| topic | title | channel | audience | payload | SMS text |", "|---|---|---|---|---|---|"]
    for t in _DECLARED:
        rows.append(f"| `{t.code}` | {t.title} ({t.title_en}) | {t.channel} | {t.audience} | "
                    f"{', '.join(t.fields)} | {t.sms or '—'} |")
    return "\n".join(rows)
