"""Import every model so that ``Base.metadata`` is complete (Alembic and tests use this)."""

from hotline.orders.models import (  # noqa: F401
    Assignment,
    Attachment,
    Order,
    OrderEvent,
    OrderNumberCounter,
    OrderRequest,
    Reply,
)
from hotline.org.models import ApiToken, AuditLog, Category, LoginSession, Unit, User  # noqa: F401
from hotline.outbox.models import OutboxMessage  # noqa: F401
