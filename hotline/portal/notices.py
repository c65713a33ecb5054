"""Texts of the notices citizens receive by SMS (短信模板), keyed by outbox topic.

The order flows queue ``OutboxMessage`` rows with channel ``sms`` and a topic
(``order.received`` at intake, ``order.completed`` when handling ends); the SMS
sender renders the text with ``render_notice(topic, payload)``.  Texts carry the
order number and where to look it up, never the demand's content, so a message
read by someone else reveals little.  The list is documented in docs/channels.md.
"""

from __future__ import annotations

from typing import Any

SIGNATURE = "【{hotline}】"

TEMPLATES: dict[str, str] = {
    "order.received": "{sig}您反映的诉求已受理，工单编号{number}。可凭工单编号和手机号码在{portal}查询办理进度。",
    "order.replied": "{sig}您的工单{number}已有答复，可凭工单编号和手机号码在{portal}查看。",
    "order.completed": "{sig}您的工单{number}已办结，请在{portal}查看答复并对办理结果进行评价，感谢您的支持。",
    "order.rating_link": "{sig}请对工单{number}的办理结果评价：{link}（满意/基本满意/不满意）。",
    "order.closed": "{sig}您的工单{number}已归档。如仍有问题，请再次拨打12345。",
}


def render_notice(topic: str, payload: dict[str, Any], *, hotline: str = "12345热线",
                  portal: str = "12345网站“进度查询”") -> str | None:
    """The SMS text for a topic, or None when the topic has no citizen notice."""
    tpl = TEMPLATES.get(topic)
    if tpl is None:
        return None
    values = {"number": "", "link": portal, **payload}
    return tpl.format(sig=SIGNATURE.format(hotline=hotline), portal=portal, **{
        k: v for k, v in values.items() if k in ("number", "link")})
