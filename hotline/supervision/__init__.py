"""督办: the deadline sweep, supervision notices, their answers, accountability (问责) and the console inbox.

Its handlers for ``urge`` / ``supervise`` / ``respond_supervision`` are installed by ``plugin.py``
(``hotline.registry``); importing the package registers nothing.
"""
