"""Import every package's models (and flows, which register order hooks) so the app is complete.

Alembic, the app, the CLI and the tests import this module.
"""

from hotline.registry import load_all

load_all()
