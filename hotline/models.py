"""Import every package's models so that ``Base.metadata`` is complete (Alembic and tests use this)."""

from hotline.registry import import_models

import_models()
