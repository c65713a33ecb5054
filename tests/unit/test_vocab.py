"""The order's vocabulary is written once (hotline/orders/enums.py) and agrees with the state machine.

Why: the set of statuses with a running clock was copied into the deadline
sweep and the order lists, and the statuses that end an order into the merge
handler; a copy that drifts makes a board count orders the sweep never urges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hotline
from hotline.orders import enums
from hotline.orders.enums import (
    AWAITING_SIGN,
    BEFORE_REPLY,
    CLOCKED,
    FINISHED,
    OPEN,
    TERMINAL,
    Action,
    Status,
)
from hotline.orders.lifecycle import RULES

ROOT = Path(hotline.__file__).parent


def _targets(action: Action) -> frozenset[Status]:
    return frozenset(RULES[action].targets)


def test_terminal_is_where_the_state_machine_stamps_closed_at() -> None:
    ending = frozenset(t for r in RULES.values() if "closed_at" in r.stamps for t in r.targets)
    assert TERMINAL == ending


def test_open_and_terminal_split_every_status_but_completed() -> None:
    assert OPEN & TERMINAL == frozenset()
    assert set(Status) - OPEN - TERMINAL == {Status.completed}


def test_the_complete_clock_starts_at_dispatch_and_stops_at_review() -> None:
    starts = frozenset(t for r in RULES.values() if "dispatched_at" in r.stamps for t in r.targets)
    assert starts <= CLOCKED
    assert RULES[Action.reply].sources <= CLOCKED and _targets(Action.reply) <= CLOCKED
    assert not _targets(Action.complete) & CLOCKED  # the centre's acceptance stops it
    assert not _targets(Action.suspend) & CLOCKED  # 挂账 pauses it
    assert not RULES[Action.dispatch].sources & CLOCKED  # nobody holds it before dispatch
    assert CLOCKED <= OPEN


def test_the_reply_and_sign_deadlines_run_where_those_actions_are_still_owed() -> None:
    assert BEFORE_REPLY == CLOCKED - _targets(Action.reply)
    assert RULES[Action.reply].sources <= BEFORE_REPLY
    assert AWAITING_SIGN == RULES[Action.sign].sources


def test_finished_is_where_a_review_accepted_the_work() -> None:
    assert FINISHED == _targets(Action.complete) | _targets(Action.close)
    assert RULES[Action.close].sources <= FINISHED


def _status_literals(node: ast.AST) -> int:
    """How many elements of a tuple/list/set literal name a Status member (``Status.x`` or ``Status.x.value``)."""
    if not isinstance(node, ast.Tuple | ast.List | ast.Set):
        return 0
    n = 0
    for elt in node.elts:
        if isinstance(elt, ast.Attribute) and elt.attr == "value":
            elt = elt.value
        if isinstance(elt, ast.Attribute) and isinstance(elt.value, ast.Name) and elt.value.id == "Status":
            n += 1
    return n


#: Where a set of statuses may still be spelled out.
OWNERS = {
    "orders/enums.py": "the vocabulary: every status set is defined here",
    "orders/lifecycle.py": "the state machine's own rule sources (LIVE, PRE_DISPATCH …)",
    # removed when dupkb lands: hotline/duplicates/ is being rewritten by another engineer
    "duplicates/": "pending: its two status tuples move to the vocabulary with dupkb's rewrite",
}


def test_no_module_spells_out_its_own_status_set() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel == k or (k.endswith("/") and rel.startswith(k)) for k in OWNERS) or "migrations" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _status_literals(node) >= 2:
                found.append(f"{rel}:{node.lineno}")
    assert found == [], f"use a set from hotline/orders/enums.py (or add one there): {found}"


def test_the_status_literal_check_sees_a_copy() -> None:
    copy = ast.parse("X = (Status.closed, Status.merged.value)\nY = [Status.closed]").body
    assert [_status_literals(stmt.value) for stmt in copy if isinstance(stmt, ast.Assign)] == [2, 1]


def test_every_status_set_is_a_frozenset_of_statuses() -> None:
    sets = {k: v for k, v in vars(enums).items() if k.isupper() and isinstance(v, frozenset)}
    assert {"TERMINAL", "OPEN", "CLOCKED", "FINISHED", "BEFORE_REPLY", "AWAITING_SIGN"} <= set(sets)
    for name, value in sets.items():
        assert value and all(isinstance(s, Status) for s in value), name


# ---------------------------------------------------------------- labels


def test_every_status_has_one_chinese_and_one_english_label() -> None:
    from hotline.orders.enums import STATUS_EN, STATUS_ZH

    assert set(STATUS_ZH) == set(Status) == set(STATUS_EN)
    assert all(STATUS_ZH[s].strip() and STATUS_EN[s].strip() for s in Status)
    assert len(set(STATUS_ZH.values())) == len(Status), "two statuses share a Chinese label"


def test_the_console_catalogue_gives_each_status_label_its_english() -> None:
    """The pages pass Chinese labels through ``_()``: they must read as STATUS_EN, not as another package's word."""
    from hotline.i18n import gettext
    from hotline.i18n.en import EN
    from hotline.orders.enums import STATUS_EN, STATUS_ZH

    assert {s: gettext(STATUS_ZH[s], "en") for s in Status} == STATUS_EN
    assert not set(STATUS_ZH.values()) & set(EN), "status English belongs in STATUS_EN only"


def test_no_status_is_called_like_an_action() -> None:
    """One Chinese string has one English: 挂账 the button and 已挂账 the status must differ."""
    from hotline.orders.enums import ACTION_ZH, STATUS_ZH

    assert not set(STATUS_ZH.values()) & set(ACTION_ZH.values())


def test_the_docs_print_the_statuses_as_the_code_defines_them() -> None:
    from hotline.orders.enums import STATUS_ZH, status_table

    docs = ROOT.parent / "docs"
    assert status_table() in (docs / "lifecycle.md").read_text(encoding="utf-8"), (
        "docs/lifecycle.md is out of date: paste hotline.orders.enums.status_table()")
    glossary = (docs / "glossary.md").read_text(encoding="utf-8")
    for s in Status:
        assert f"| {STATUS_ZH[s]} | `{s.value}` |" in glossary, s


def test_every_action_has_one_chinese_and_one_english_label() -> None:
    from hotline.i18n import action_label, status_label
    from hotline.i18n.en import EN
    from hotline.orders.enums import ACTION_EN, ACTION_ZH, STATUS_EN, STATUS_ZH

    assert set(ACTION_ZH) == set(Action) == set(ACTION_EN)
    assert all(ACTION_ZH[a].strip() and ACTION_EN[a].strip() for a in Action)
    assert not set(ACTION_ZH.values()) & set(EN), "action English belongs in ACTION_EN only"
    assert {a: action_label(a.value, "en") for a in Action} == ACTION_EN
    assert {a: action_label(a.value, "zh") for a in Action} == ACTION_ZH
    assert {s: status_label(s.value, "en") for s in Status} == STATUS_EN
    assert {s: status_label(s.value, "zh") for s in Status} == STATUS_ZH
    assert action_label("attach", "en") == "attach" and status_label("", "en") == ""  # not ours: as is


def test_every_status_has_a_citizen_word_with_english() -> None:
    """The portal tells citizens less than the console (办理中 for every stage a unit holds); a new status needs one."""
    from hotline.i18n import catalogue
    from hotline.portal.service import CITIZEN_STATUS

    assert set(CITIZEN_STATUS) == set(Status)
    assert all(CITIZEN_STATUS[s] in catalogue() for s in Status)
