"""Each action's fields are declared once (hotline/orders/payloads.py): the handlers read their texts
through that declaration, and the console's form is built from it (issue #11)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hotline
from hotline.errors import BadRequest
from hotline.i18n import gettext
from hotline.orders import payloads
from hotline.orders.enums import Action
from hotline.orders.lifecycle import RULES

ROOT = Path(hotline.__file__).parent


def _text_calls() -> set[tuple[str, str]]:
    """(action, field) of every ``text(p, Action.x, "field")`` a handler makes."""
    out = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and ast.unparse(node.func) in ("text", "payloads.text")
                    and len(node.args) == 3 and isinstance(node.args[1], ast.Attribute)
                    and isinstance(node.args[2], ast.Constant)):
                out.add((node.args[1].attr, node.args[2].value))
    return out


def test_every_text_a_handler_reads_is_declared_on_its_action() -> None:
    calls = _text_calls()
    assert len(calls) >= 15  # the scan sees the handlers
    for action, name in calls:
        assert any(f.name == name for f in payloads.form(action)), f"{action}.{name} is not in payloads.FORMS"


def test_every_required_text_of_a_form_is_checked_by_its_handler() -> None:
    """The form may not ask for a text the handler ignores (or check it with other limits)."""
    from hotline.orders.actions.common import REPLY_ACTIONS

    checked = _text_calls() | {(a.value, "content") for a in REPLY_ACTIONS.values()}
    for action, fields in payloads.FORMS.items():
        for f in fields:
            if f.is_text and f.required:
                assert (action.value, f.name) in checked, f"{action.value}.{f.name} is required but never checked"


def test_every_action_of_the_state_machine_has_a_form_and_english_labels() -> None:
    assert set(RULES) <= set(payloads.FORMS)
    for action, fields in payloads.FORMS.items():
        for f in fields:
            assert f.label and gettext(f.label, "en") != f.label, f"{action.value}.{f.name}: no English for {f.label}"


@pytest.mark.parametrize(("action", "name"), [(Action.request_return, "reason"), (Action.withdraw, "reason"),
                                              (Action.inform, "channel"), (Action.reply, "content")])
def test_the_declared_minimum_is_the_one_enforced(action: Action, name: str) -> None:
    f = payloads.field(action, name)
    with pytest.raises(BadRequest) as err:
        payloads.text({name: "字" * (f.min_len - 1)}, action, name)
    assert err.value.details["field"] == name and str(f.min_len) in err.value.zh
    assert payloads.text({name: " " + "字" * f.min_len + " "}, action, name) == "字" * f.min_len
