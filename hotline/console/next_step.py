"""The next step first (issue #20, item 1): which one or two actions lead an order page.

The state machine and the scope check decide what the viewer *may* do (``service.actions_for``); this module
only decides what comes first among those.  For each status, the actions are listed in the order in which
they are likely, and the page leads with the first ``LEAD_MAX`` the viewer may take; every other allowed
action goes to the secondary menu.  An action the viewer may not take is in neither (docs/console.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hotline.orders.enums import Status

LEAD_MAX = 2

# status → the actions likely next, most likely first (each role only ever sees those it may take)
LIKELY: Mapping[str, tuple[str, ...]] = {
    Status.received: ("dispatch", "dispatch_to_subcentre"),
    Status.at_subcentre: ("subdispatch",),
    Status.dispatched: ("sign", "request_return", "co_reply", "urge", "supervise"),
    Status.in_progress: ("respond_supervision", "reply", "co_reply", "approve_extension", "reject_extension",
                         "request_extension", "supervise", "urge"),
    Status.return_requested: ("approve_return", "reject_return", "respond_supervision", "co_reply"),
    Status.suspended: ("resume", "co_reply"),
    Status.replied: ("complete", "respond_supervision", "reopen", "supervise"),
    Status.completed: ("close", "respond_supervision", "reopen"),
    Status.merged: ("unmerge",),
    Status.transfer_pending: ("accept_transfer", "return_transfer"),  # 转办 from another city: answer it
}


def lead_actions(status: str, allowed: Sequence[str], *, flags: Mapping[str, Any] | None = None,
                 kind: str | None = None) -> list[str]:
    """The one or two actions the page leads with, among ``allowed``.

    A new order leads with 派单; its second step follows what intake saw: 转应急 for a suspected
    emergency, 告知 for a demand outside the hotline's remit, 即时办结 for a question (咨询) that the
    knowledge base may answer, else 派至分中心.
    """
    likely = list(LIKELY.get(status, ()))
    if status == Status.received:
        flags = flags or {}
        second = ("hand_off" if flags.get("emergency") else "inform" if flags.get("out_of_scope")
                  else "answer_first_contact" if kind == "consultation" else None)
        if second:
            likely.insert(1, second)
    return [a for a in likely if a in allowed][:LEAD_MAX]


def split(status: str, allowed: Sequence[str], **kw: Any) -> tuple[list[str], list[str]]:
    """(the lead actions, the rest in their usual order) — every allowed action exactly once."""
    lead = lead_actions(status, allowed, **kw)
    return lead, [a for a in allowed if a not in lead]
