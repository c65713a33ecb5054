"""The password policy: length, not the username, not a common password (the list shipped in the repo)."""

from __future__ import annotations

import pytest

from hotline.errors import BadRequest
from hotline.org.passwords import COMMON_FILE, MIN_LENGTH, check_password, common_passwords, problems


def codes(password: str, username: str = "zhangsan") -> set[str]:
    return {c for c, _, _ in problems(password, username=username)}


def test_a_long_unusual_password_passes() -> None:
    assert codes("青阳热线-Night-Shift-7") == set()
    check_password("river-lamp-9-ledger", username="zhangsan")


def test_each_rule_refuses_what_it_names() -> None:
    assert codes("a" * (MIN_LENGTH - 1)) == {"password_too_short"}
    assert codes("Zhangsan-2026-desk") == {"password_contains_username"}  # ignoring case
    assert codes("1qaz2wsx3edc") == {"password_common"}
    assert codes("Password123") == {"password_common"}  # ignoring case
    assert codes("woaini1314") == {"password_common"}
    assert codes("x" * 129) == {"password_too_long"}


def test_refusal_is_bilingual_and_names_every_rule() -> None:
    with pytest.raises(BadRequest) as exc:
        check_password("wang12", username="wang")
    err = exc.value
    assert err.code == "weak_password" and err.status_code == 422
    assert "密码至少10个字符" in err.zh and "密码不能包含用户名" in err.zh
    assert "at least 10 characters" in err.en
    assert set(err.details["rules"]) == {"password_too_short", "password_contains_username"}


def test_the_common_list_ships_with_the_package() -> None:
    assert COMMON_FILE.is_file() and len(common_passwords()) > 150
    assert "demo12345" in common_passwords()  # the demo's own password may not be chosen by a person
