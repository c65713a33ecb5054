"""The fields of an entry as people and imports send them (validated once, here)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.validation import DbInt


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=4, max_length=300)
    answer: str = Field(min_length=10, max_length=8000)
    policy_basis: str = Field("", max_length=4000)
    owner_unit: str | None = Field(None, max_length=64, description="unit code; defaults to the editor's unit")
    valid_from: date | None = None
    valid_until: date | None = None
    review_date: date | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    category_code: str | None = Field(None, max_length=32)
    note: str | None = Field(None, max_length=500, description="why this version (edit note)")
    expected_version: DbInt | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):
            return [t for t in (x.strip() for x in v.replace("，", ",").split(",")) if t]
        return v

    @field_validator("tags")
    @classmethod
    def _short(cls, v: list[str]) -> list[str]:
        return [t[:20] for t in v]
