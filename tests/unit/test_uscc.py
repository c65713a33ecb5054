"""统一社会信用代码: the GB 32100-2015 check character (and the GB 11714 organisation code inside it)."""

from __future__ import annotations

import pytest

from hotline.orders import uscc

# real-format codes: the standard's own example and codes of well-known companies as printed on their licences
VALID = ("91350100M000100Y43", "91330100799655058B", "914403001922038216", "9144030071526726XG",
         "91110108551385082Q")


@pytest.mark.parametrize("code", VALID)
def test_real_codes_pass(code: str) -> None:
    assert uscc.problem(code) is None
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.problem(code.lower()) is None  # typed in lower case: the same code


@pytest.mark.parametrize(("code", "why"), [
    ("91350100M000100Y44", "check_digit"),  # last character changed
    ("91330100799655058C", "check_digit"),
    ("913301007996550589", "check_digit"),
    ("91330100799655058", "length"),
    ("91330100799655058BB", "length"),
    ("91330100799655O58B", "character"),  # letter O for zero: not in the alphabet
    ("9133010079965505IB", "character"),
    ("9133A100799655058B", "division"),
    ("913301007996550X8B", "organisation_code"),  # a transposition inside the organisation code
])
def test_wrong_codes_are_refused_with_the_reason(code: str, why: str) -> None:
    assert uscc.problem(code) == why
    assert why in uscc.PROBLEM_ZH


def test_weights_are_powers_of_three_mod_31() -> None:
    assert uscc.WEIGHTS[:6] == (1, 3, 9, 27, 19, 26) and len(uscc.ALPHABET) == 31
    assert not set("IOSVZ") & set(uscc.ALPHABET)


def test_every_single_character_error_in_the_check_is_caught() -> None:
    code = VALID[1]
    for c in uscc.ALPHABET:
        if c != code[17]:
            assert uscc.problem(code[:17] + c) == "check_digit"
