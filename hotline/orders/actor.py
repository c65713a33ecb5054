"""Who acts on an order: a console user, an integration's user, the system or a citizen."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.orders import lifecycle
from hotline.org.models import User


@dataclass(frozen=True)
class Actor:
    """Who acts: a console user, an integration's user, the system or a citizen."""

    role: str
    label: str
    user: User | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(role=user.role, label=f"{user.name}({user.username})", user=user)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def unit_id(self) -> int | None:
        return self.user.unit_id if self.user else None


SYSTEM_ACTOR = Actor(role=lifecycle.SYSTEM, label="系统")


CITIZEN_ACTOR = Actor(role=lifecycle.CITIZEN, label="诉求人")
