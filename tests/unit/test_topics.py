"""Notice topics are declared once (hotline/outbox/topics.py): every topic the code queues has a
declaration with titles, every text's placeholders are payload fields it declares, the flows put
those fields in, and the docs table is generated from the declarations."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hotline.outbox import topics
from hotline.outbox.inbox import Notification  # noqa: F401  (models import cleanly)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "hotline").rglob("*.py"))


def _queued_topics() -> set[str]:
    """Every topic literal the code queues: topic="…", f-strings expanded by their known values."""
    found: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'topic="([a-z_]+\.[a-z_.]+)"', text))
        found.update(re.findall(r'_?notify\(db, \w+, "([a-z_]+\.[a-z_.]+)"', text))
    # f-string families, with the values their code can produce
    found.update(f"{k}.filed" for k in ("appeal", "designation"))
    found.update(f"{k}.{s}" for k in ("appeal", "designation") for s in ("accepted", "rejected"))
    dup = (ROOT / "hotline/duplicates/flows.py").read_text(encoding="utf-8")
    found.update(f"order.repeat_{o}" for o in re.findall(r'outcome = "([a-z_]+)"', dup))
    found.add("webhook.order.dispatch")
    return found


def test_every_queued_topic_is_declared_with_titles() -> None:
    queued = _queued_topics()
    assert {"order.received", "callback.rating_link", "knowledge.review_due", "order.repeat_merged"} <= queued
    missing = sorted(t for t in queued if topics.topic(t) is None)
    assert not missing, f"declare these in hotline/outbox/topics.py: {missing}"
    for code in queued:
        t = topics.topic(code)
        assert t is not None and t.title and t.title_en and t.audience and t.channel in ("inbox", "sms", "webhook")
        assert code not in topics.title(code, {"number": "N1"})  # never a raw code in the inbox


@pytest.mark.parametrize("t", list(topics.TOPICS.values()), ids=lambda t: t.code)
def test_no_sender_would_drop_a_field_it_needs(t: topics.Topic) -> None:
    used = {f for f, _ in t.body}
    if t.sms:
        used |= topics.placeholders(t.sms) - {"sig", "portal"}
    assert used <= set(t.fields), f"{t.code}: texts use {used - set(t.fields)} not in its declared payload"
    payload = {f: f"<{f}>" for f in t.fields}
    rendered = (topics.sms_text(t.code, payload, hotline="H", portal="P") if t.sms
                else topics.body(t.code, payload))
    for f in used:
        assert f"<{f}>" in rendered, f"{t.code} drops {f}"
    assert t.channel != "sms" or t.sms, f"{t.code} is texted to citizens but has no SMS text"


def _payload_keys(call: ast.Call) -> set[str] | None:
    for kw in call.keywords:
        if kw.arg == "payload" and isinstance(kw.value, ast.Dict):
            return {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
    return None


def test_flows_put_in_the_fields_their_texts_need() -> None:
    """For every OutboxMessage(topic="…", payload={…}) / notify(topic="…", payload={…}) with literal keys,
    the fields its SMS text uses are there (number and title are added by _notify and notify)."""
    checked = 0
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            code = next((kw.value.value for kw in node.keywords if kw.arg == "topic"
                         and isinstance(kw.value, ast.Constant)), None)
            keys = _payload_keys(node)
            if code is None or keys is None or topics.topic(code) is None:
                continue
            t = topics.topic(code)
            assert t is not None
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("notify", "_notify"):
                keys |= {"number", "title"}
            # an SMS text needs all its fields; body lines are shown when their field is present
            needed = (topics.placeholders(t.sms) - {"sig", "portal"}) if t.sms else set()
            assert needed <= keys, f"{path.name}: {code} is queued without {needed - keys}"
            checked += 1
    assert checked >= 5


def test_docs_table_is_generated_from_the_declarations() -> None:
    doc = (ROOT / "docs" / "channels.md").read_text(encoding="utf-8")
    assert topics.docs_table() in doc, "regenerate the topics table in docs/channels.md from topics.docs_table()"
