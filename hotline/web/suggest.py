"""The intake assistant: what the operator sees beside the form while typing.

Each package that can help at intake — routing (category, unit, territory,
urgency, emergency), duplicates, caller history, the knowledge base — defines
``hotline/<package>/suggest.py`` with a section function, added by the package's
``plugin.py`` with ``r.suggestion(fn, order=…)``.
The intake form posts its fields here (HTMX, debounced) and every provider's
section is rendered in order.  A provider that fails is logged and skipped, so
one broken helper never blocks taking a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.org.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeDraft:
    """What the operator has typed so far (any field may be empty)."""

    title: str = ""
    content: str = ""
    address: str = ""
    phone: str = ""
    kind: str = ""
    category_code: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.content}".strip()


@dataclass
class Section:
    """One block of the assistant panel: a partial template and its context."""

    key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Session, User, IntakeDraft], Section | None]


def sections(db: Session, user: User, draft: IntakeDraft) -> list[Section]:
    from hotline import registry

    out = []
    for _order, fn, _pkg in registry.get().suggestions:
        try:
            sec = fn(db, user, draft)
        except Exception:  # noqa: BLE001 - one failing helper must not block intake
            log.exception("intake provider %s failed", getattr(fn, "__name__", fn))
            continue
        if sec is not None:
            out.append(sec)
    return out
