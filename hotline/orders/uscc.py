"""统一社会信用代码 (unified social credit code, USCC): the check of GB 32100-2015.

Pure: no database, no clock.  An enterprise demand (涉企诉求) may carry its code; a code whose
check digit is wrong is refused at intake, since a mistyped code would file the demand under
another enterprise.

The 18 characters: the registration authority (1 character), the kind of organisation (1), the
administrative division (6 digits), the organisation code (9, itself checked by GB 11714-1997)
and the check character, over the 31 characters 0–9 and A–Y without I, O, S, V, Z.  The check
character is ``31 − (Σ value × 3^i mod 31) mod 31`` over the first 17 (31 becomes 0).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
# GB 11714-1997: the organisation code's own check over its first 8 characters (0–9, A–Z)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    """The 18th character for these 17 (ValueError on a character outside the code's alphabet)."""
    if len(first17) != 17:
        raise ValueError("the check is computed over 17 characters")
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_check(code8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(code8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC (an English key), or None when it is."""
    code = code.strip().upper()
    if len(code) != 18:
        return "length"
    if any(c not in VALUE for c in code):
        return "character"
    if not code[2:8].isdigit():
        return "division"
    org = code[8:17]
    if not all(c.isdigit() or "A" <= c <= "Z" for c in org[:8]) or _org_check(org[:8]) != org[8]:
        return "organisation_code"
    if check_character(code[:17]) != code[17]:
        return "check_digit"
    return None


def normalise(code: str) -> str:
    return code.strip().upper()


PROBLEM_ZH = {"length": "应为18位", "character": "含有不允许的字符（不使用I、O、S、V、Z）",
              "division": "第3至8位应为行政区划代码", "organisation_code": "第9至17位组织机构代码校验不符",
              "check_digit": "校验码不符"}
