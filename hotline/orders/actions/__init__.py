"""The core's action handlers, grouped by the phase of the order's life.

A handler ``(db, order, actor, payload, now) -> (note, unit, data)`` does an action's side data after
the state machine has moved the order (``hotline.orders.flows.do_action``); ``CORE_HANDLERS`` is what
``hotline.orders.plugin`` installs. Other packages install theirs with ``r.handler`` (supervision).
"""

from __future__ import annotations

from hotline.orders.actions import closing, dispatch, handling, intake
from hotline.orders.actions.common import Handler
from hotline.orders.enums import Action

CORE_HANDLERS: dict[Action, Handler] = {
    Action.answer_first_contact: intake.h_first_contact,
    Action.hand_off: intake.h_hand_off,
    Action.inform: intake.h_inform,
    Action.dispatch: dispatch.h_dispatch,
    Action.dispatch_to_subcentre: dispatch.h_to_subcentre,
    Action.subdispatch: dispatch.h_dispatch,
    Action.approve_return: dispatch.h_approve_return,
    Action.reject_return: dispatch.h_reject_return,
    Action.redispatch: dispatch.h_redispatch,
    Action.add_co_unit: dispatch.h_add_co_unit,
    Action.remove_co_unit: dispatch.h_remove_co_unit,
    Action.sign: handling.h_sign,
    Action.request_return: handling.h_request_return,
    Action.request_extension: handling.h_request_extension,
    Action.approve_extension: handling.h_approve_extension,
    Action.reject_extension: handling.h_reject_extension,
    Action.co_reply: handling.h_co_reply,
    Action.reply: handling.h_reply,
    Action.suspend: handling.h_suspend,
    Action.resume: handling.h_resume,
    Action.complete: closing.h_complete,
    Action.reopen: closing.h_reopen,
    Action.close: closing.h_note,
    Action.comment: closing.h_comment,
    Action.withdraw: closing.h_withdraw,
    Action.cancel_duplicate: closing.h_cancel_duplicate,
    Action.unmerge: closing.h_unmerge,
    # urge / supervise / respond_supervision: installed by hotline.supervision (one handler per action)
}
