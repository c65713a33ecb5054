"""Errors a user can read, in Chinese and English.

Every refusal the platform makes is an ``AppError`` with a stable ``code`` and a
message in both languages; the API turns it into a 4xx JSON body and the
console into a flash message.  Nothing else should reach the user as a 500.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400

    def __init__(self, code: str, zh: str, en: str, *, status_code: int | None = None, **details: Any):
        super().__init__(f"{code}: {en}")
        self.code = code
        self.zh = zh
        self.en = en
        self.details = details
        if status_code is not None:
            self.status_code = status_code

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.zh, "message_en": self.en}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(AppError):
    status_code = 422


class NotAuthenticated(AppError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("not_authenticated", "请先登录", "Please log in first")


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    """The order changed under you, or the action is not allowed in its current state."""

    status_code = 409


class TooLarge(AppError):
    status_code = 413


class RateLimited(AppError):
    status_code = 429
