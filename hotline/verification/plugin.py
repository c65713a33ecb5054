"""verification: on-site checks ordered by reviewers and supervisors, done by grid workers on the
phone app (a PWA), patrol reports into intake as channel 网格."""

from __future__ import annotations

from hotline.registry import Registry


def install(r: Registry) -> None:
    pass
