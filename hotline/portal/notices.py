"""Texts of the notices citizens receive by SMS (短信模板): declared in hotline/outbox/topics.py.

Kept as the portal's name for them; the texts themselves are declared once, with
their topics, and the SMS sender renders them from there (docs/channels.md).
"""

from __future__ import annotations

from typing import Any

from hotline.outbox import topics


def render_notice(topic: str, payload: dict[str, Any], *, hotline: str = "12345热线",
                  portal: str = "12345网站“进度查询”") -> str | None:
    """The SMS text for a topic, or None when the topic has no citizen notice."""
    t = topics.topic(topic)
    if t is None or t.sms is None:
        return None
    return topics.sms_text(topic, payload, hotline=hotline, portal=portal)
