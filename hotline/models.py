"""Every package's models, in the declared order (``hotline.registry.INSTALL_ORDER``).

Alembic, the app, the CLI and the tests import this module so that ``Base.metadata`` is complete.
It imports models only: hooks, handlers and the rest are installed by ``hotline.registry.install()``.
"""

from hotline.registry import import_models

import_models()
