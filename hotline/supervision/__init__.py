"""督办: supervision notices, their answers, accountability (问责) and the console inbox.

Importing the package registers its handlers for ``urge`` / ``supervise`` /
``respond_supervision`` with the work-order core (``hotline.orders.flows``), so
anything that loads the models (the app, the worker, the tests) gets them.
"""

from hotline.supervision import flows as _flows  # noqa: F401  (registers the action handlers)
