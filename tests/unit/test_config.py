"""Settings: the development secret is refused in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hotline.config import DEV_SECRET, Settings


def test_production_refuses_default_secret() -> None:
    with pytest.raises(ValidationError, match="HOTLINE_SECRET_KEY"):
        Settings(env="production", secret_key=DEV_SECRET, password_hash_fast=False)
    assert Settings(env="production", secret_key="s" * 40, password_hash_fast=False).env == "production"


def test_production_refuses_fast_hashing() -> None:
    with pytest.raises(ValidationError):
        Settings(env="production", secret_key="s" * 40, password_hash_fast=True)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SESSION_HOURS", "3")
    assert Settings().session_hours == 3
