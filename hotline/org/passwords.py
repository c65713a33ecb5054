"""The password policy, one function for every place a person chooses a password.

A password is refused when it is shorter than ``MIN_LENGTH``, contains the username, or is one of
the common passwords shipped in ``data/common_passwords.txt`` (ignoring case).  The demo's and a
city file's initial passwords are not chosen by a person here and are not checked; a reset by an
administrator makes the person choose a new one at the next login (``User.must_change_password``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hotline.errors import BadRequest

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON_FILE = Path(__file__).with_name("data") / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def problems(password: str, *, username: str) -> list[tuple[str, str, str]]:
    """Every rule the password breaks, as (code, Chinese, English); empty when it is acceptable."""
    out: list[tuple[str, str, str]] = []
    if len(password) < MIN_LENGTH:
        out.append(("password_too_short", f"密码至少{MIN_LENGTH}个字符", f"at least {MIN_LENGTH} characters"))
    if len(password) > MAX_LENGTH:
        out.append(("password_too_long", f"密码不能超过{MAX_LENGTH}个字符", f"at most {MAX_LENGTH} characters"))
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        out.append(("password_contains_username", "密码不能包含用户名", "it may not contain the username"))
    if password.lower() in common_passwords():
        out.append(("password_common", "该密码过于常见，容易被猜中", "it is a common password, easily guessed"))
    return out


def check_password(password: str, *, username: str) -> None:
    """Raise ``BadRequest`` (422 ``weak_password``) naming every rule the password breaks."""
    found = problems(password, username=username)
    if found:
        raise BadRequest("weak_password", "密码不符合要求：" + "；".join(zh for _, zh, _ in found),
                         "the password does not meet the policy: " + "; ".join(en for _, _, en in found),
                         rules=[code for code, _, _ in found])
