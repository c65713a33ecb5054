"""The city's grouping threshold, learned from its leaders' corrections (issue #16 item 1).

Why: a merge says "these orders are one matter", a split "these are not" (``HotMatterLink``: must /
cannot).  Every later re-grouping honours those pairs as they are; this module also lets them move
the one number that decides every *other* pair: the blended score at which two orders may link
(``grouping.THRESHOLD``, 0.60 as shipped).  Each stored pair is a labelled pair; its score is the
grouping's own (``grouping.similarity``: the same ``edge_score`` of the same pair model and cosine).

The rule (``choose``), deliberately conservative because a leader's corrections are few and biased
(only pairs someone looked at):
- nothing moves until there are at least ``MIN_EACH`` scored pairs on *each* side;
- the target is the threshold on a 0.01 grid (0.05–0.95) with the lowest cost: the balanced errors among
  the corrections (share of "same" pairs below it + share of "different" pairs at or above it — balanced
  because one merge of two large matters yields many "same" pairs) plus the **status-quo prior**: every
  scored candidate pair of the window that nobody corrected keeps the decision of the threshold in force
  as a weak label, and a threshold pays ``STATUS_QUO`` × (the corrections' balanced errors at the
  threshold in force) × the share of that side's uncorrected pairs whose decision it would flip.  Why:
  leaders correct what is wrong, so their corrections alone never show the pairs a move would break (all
  "same" lie below the threshold, all "different" above, and any move looks free: bench
  bench/hotspots_corrections.py, ``errors`` picking, went to the clamp and lost 2.7 points of F1); the
  more the corrections are only mistakes, the less they say about the pairs the grouping gets right, so
  the more the status quo weighs, while corrections a threshold already mostly gets right (a sample of the
  whole) keep their say.  Among equally good thresholds the one nearest the shipped default (the prior:
  move only as far as the corrections demand);
- one learning moves the threshold in force by at most ``MAX_STEP`` towards the target, and the result
  stays inside [``LOW``, ``HIGH``].

Stored as data: a ``settings_versions`` row of block ``hotspots`` per change (body: the threshold, the
default, how many corrections of each kind, when), with an audit row (``settings.hotspots``; actor 系统
when learned, the user when reset).  A reset is a new version at the default; only corrections made
after the newest reset are learned from, so the next pass does not undo it at once.

The block is also a settings block of the admin console (extension ``settings.blocks``, ``settings_block``):
the administrator sees every version at ``/admin/settings/hotspots/versions``, compares two, and rolls
back to one (``hotline.settings.flows.do_rollback``: a new version with ``source: rollback``, the same
audit row as a time-limit rollback).  Version 0 is the default (the city file has no such block).  A
rollback is a person's decision like a reset: it too starts the count afresh (``PERSON_SOURCES``), so the
corrections made before it are not learned from again and the next pass does not step away from it.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.city.models import SettingsVersion
from hotline.errors import BadRequest, Forbidden
from hotline.hotspots import grouping
from hotline.org import audit
from hotline.org.models import User

if TYPE_CHECKING:  # typing only: settings installs before hotspots and is imported at call time
    from hotline.settings.flows import OwnedBlock

BLOCK = "hotspots"
DEFAULT = grouping.THRESHOLD
LOW, HIGH = 0.45, 0.75  # a learned threshold stays inside: below, topics chain; above, rewordings never meet
MIN_EACH = 10  # scored corrections needed on each side (same / different) before anything moves: with 5, a
# few corrections moved a threshold that was right and cost held-out F1 (bench/hotspots_corrections.py)
MAX_STEP = 0.05  # the most one learning moves the threshold in force
STATUS_QUO = 4.0  # the status-quo prior's weight (× the corrections' balanced errors at the threshold in force):
# no fixed weight did both (2 let 40 corrections of mistakes only pull 0.60 to 0.47, 8 cancelled the gain from
# a wrong 0.70); scaled by the errors, 4 did (bench/hotspots_corrections.py, docs/benchmarks.md)
RESET_ROLES = ("leader", "admin")
SYSTEM = "系统"
PERSON_SOURCES = ("reset", "rollback")  # versions a person set: learning counts corrections made after the newest
LABEL_ZH, LABEL_EN = "热点分组阈值", "Hot matters' grouping threshold"


@dataclass(frozen=True)
class Choice:
    """What one learning decided: the threshold to use, its target and the corrections it saw."""

    threshold: float
    target: float | None  # None: too few corrections to learn anything
    same: int
    different: int


def choose(same: Sequence[float], different: Sequence[float], *, current: float = DEFAULT,
           default: float = DEFAULT, uncorrected: Sequence[float] = ()) -> Choice:
    """The threshold after learning from scored pairs judged the same / different, with the scores of the
    window's candidate pairs nobody corrected as the status quo (see the module doc)."""
    if len(same) < MIN_EACH or len(different) < MIN_EACH:
        return Choice(current, None, len(same), len(different))

    def errors(t: float) -> float:
        return sum(1 for s in same if s < t) / len(same) + sum(1 for d in different if d >= t) / len(different)

    quo = sorted(uncorrected)
    linked_from = bisect.bisect_left(quo, current)  # quo[:linked_from] are apart under the threshold in force
    weight = STATUS_QUO * errors(current)

    def flipped(t: float) -> float:
        """The share of the uncorrected pairs on one side of the threshold in force that ``t`` moves across."""
        at = bisect.bisect_left(quo, t)
        if t < current:
            return (linked_from - at) / max(1, linked_from)
        return (at - linked_from) / max(1, len(quo) - linked_from)

    def cost(t: float) -> float:
        return round(errors(t) + weight * flipped(t), 9)

    grid = [round(0.01 * k, 2) for k in range(5, 96)]  # the target may lie outside the clamp: the step goes its way
    target = min(grid, key=lambda t: (cost(t), abs(t - default), t))
    step = max(-MAX_STEP, min(MAX_STEP, target - current))
    return Choice(round(min(HIGH, max(LOW, current + step)), 2), target, len(same), len(different))


@dataclass(frozen=True)
class InForce:
    """The city's threshold in force, and where it came from (for the page and the API)."""

    threshold: float
    default: float
    source: str  # default | learned | reset
    corrections: int = 0
    at: datetime | None = None
    version: int = 0
    rolled_back_from: int | None = None  # source rollback: the version an administrator restored

    @property
    def learned(self) -> bool:
        return self.source == "learned"

    @property
    def resettable(self) -> bool:
        """A reset would change something: a learned value, or a rollback to one other than the default."""
        return self.learned or (self.source == "rollback" and self.threshold != self.default)

    def as_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "default": self.default, "source": self.source,
                "corrections": self.corrections, "at": self.at.isoformat() if self.at else None,
                "version": self.version, "rolled_back_from": self.rolled_back_from}


def _newest(db: Session) -> SettingsVersion | None:
    return db.scalar(select(SettingsVersion).where(SettingsVersion.block == BLOCK)
                     .order_by(SettingsVersion.version.desc()).limit(1))


def _of(row: SettingsVersion | None) -> InForce:
    if row is None:
        return InForce(DEFAULT, DEFAULT, "default")
    b = row.body or {}
    return InForce(float(b.get("threshold", DEFAULT)), DEFAULT, str(b.get("source", "learned")),
                   int(b.get("corrections", 0)), row.created_at, row.version, row.rolled_back_from)


def in_force(db: Session) -> InForce:
    """The acting city's threshold as this transaction sees it (one indexed read)."""
    return _of(_newest(db))


def threshold_live() -> float:
    """The acting city's threshold from the process's live-settings table (no query: the intake's join)."""
    from hotline.city.live import live_block

    block = live_block(BLOCK)
    return float(block.body.get("threshold", DEFAULT)) if block is not None else DEFAULT


def learned_since(db: Session) -> datetime | None:
    """Corrections made before the newest reset or rollback are not learned from (the person's decision would
    be undone at once by the corrections it already saw)."""
    rows = db.execute(select(SettingsVersion.created_at, SettingsVersion.body).where(SettingsVersion.block == BLOCK)
                      .order_by(SettingsVersion.version.desc()))
    return next((at for at, body in rows if (body or {}).get("source") in PERSON_SOURCES), None)


def _save(db: Session, *, body: dict[str, Any], actor: User | None, reason: str, now: datetime) -> SettingsVersion:
    before = in_force(db)
    top = db.scalar(select(func.max(SettingsVersion.version)).where(SettingsVersion.block == BLOCK)) or 0
    row = SettingsVersion(block=BLOCK, version=top + 1, body=body, author_id=actor.id if actor else None,
                          author_label=(actor.username if actor else SYSTEM)[:128], reason=reason, created_at=now)
    db.add(row)
    audit.record(db, actor=actor, label=SYSTEM, action=f"settings.{BLOCK}", entity="settings",
                 entity_id=f"{BLOCK} v{top + 1}", before={"threshold": before.threshold, "source": before.source},
                 after={"threshold": body["threshold"], "source": body["source"]}, reason=reason)
    db.flush()
    return row


def record(db: Session, choice: Choice, *, now: datetime) -> SettingsVersion | None:
    """Store a learned threshold as a new version when it differs from the one in force (actor 系统)."""
    if choice.target is None or choice.threshold == in_force(db).threshold:
        return None
    n = choice.same + choice.different
    body = {"threshold": choice.threshold, "default": DEFAULT, "source": "learned", "corrections": n,
            "same": choice.same, "different": choice.different, "target": choice.target, "learned_at": now.isoformat()}
    return _save(db, body=body, actor=None, now=now,
                 reason=f"由{n}条更正学得（相同{choice.same}、不同{choice.different}）")


def do_reset(db: Session, *, user: User, now: datetime) -> SettingsVersion:
    """A leader or administrator puts the threshold back to the default (a new version, audited)."""
    if user.role not in RESET_ROLES:
        raise Forbidden("hot_threshold_role", "您的角色无权重置分组阈值", "your role may not reset the grouping threshold")
    if not in_force(db).resettable:
        raise BadRequest("hot_threshold_default", "分组阈值已是默认值", "the grouping threshold is already the default")
    return _save(db, body={"threshold": DEFAULT, "default": DEFAULT, "source": "reset", "corrections": 0},
                 actor=user, reason="重置为默认分组阈值", now=now)


def learn(db: Session, items: Sequence[grouping.Item], scorer: Any, prepared: Sequence[Any],
          labelled: Sequence[tuple[int, int, bool]], *, now: datetime,
          edges: Mapping[tuple[int, int], float] | None = None, linked: Collection[tuple[int, int]] = ()) -> float:
    """Score the corrections (positions in ``items``, True = the same matter) with the grouping's own
    scoring, learn, store a change, and return the threshold this re-grouping uses.

    ``edges``: the re-grouping's scored candidate pairs (``grouping.scored_edges``, the one scoring); those
    that are neither a correction nor another link (``linked``: its decision does not follow the threshold)
    are the status quo."""
    current = in_force(db).threshold
    scores = grouping.similarity(items, scorer, prepared, [(a, b) for a, b, _ in labelled])
    same = [float(s) for s, (_, _, y) in zip(scores, labelled, strict=True) if y]
    different = [float(s) for s, (_, _, y) in zip(scores, labelled, strict=True) if not y]
    fixed = {(min(a, b), max(a, b)) for a, b, _ in labelled} | {(min(a, b), max(a, b)) for a, b in linked}
    uncorrected = [s for key, s in (edges or {}).items() if key not in fixed]
    choice = choose(same, different, current=current, uncorrected=uncorrected)
    record(db, choice, now=now)
    return choice.threshold


# --- the block in the admin console's settings history (extension ``settings.blocks``) ------------

class ThresholdBody(BaseModel):
    """A ``hotspots`` version's body as stored (what a rollback restores is checked against it)."""

    model_config = ConfigDict(extra="forbid")
    threshold: float = Field(ge=0, le=1)
    default: float = Field(ge=0, le=1)
    source: Literal["default", "learned", "reset", "rollback"]
    corrections: int = Field(default=0, ge=0)
    same: int | None = Field(default=None, ge=0)
    different: int | None = Field(default=None, ge=0)
    target: float | None = None
    learned_at: str | None = None
    rolled_back_from: int | None = Field(default=None, ge=0)


def default_body() -> dict[str, Any]:
    """Version 0: the shipped default (the city file has no ``hotspots`` block)."""
    return {"threshold": DEFAULT, "default": DEFAULT, "source": "default", "corrections": 0}


def rolled_back(body: dict[str, Any], version: int) -> dict[str, Any]:
    """The body of a rollback to ``version``: its threshold (and what it was learned from), marked as a
    person's decision, so learning starts afresh after it (``learned_since``)."""
    return {**body, "source": "rollback", "rolled_back_from": version}


def describe(body: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """One line of the settings history: the threshold and who or what set it (a msgid and its arguments)."""
    t = float(body.get("threshold", DEFAULT))
    source = body.get("source")
    if source == "learned":
        return ("%.2f：由 %d 条更正学得（相同 %d、不同 %d）",
                (t, int(body.get("corrections", 0)), int(body.get("same") or 0), int(body.get("different") or 0)))
    if source == "reset":
        return ("%.2f：重置为默认值", (t,))
    if source == "rollback":
        return ("%.2f：回滚到第%d版", (t, int(body.get("rolled_back_from") or 0)))
    return ("%.2f：默认值", (t,))


def settings_block() -> OwnedBlock:
    """The ``settings.blocks`` extension: this block in the admin console's history, compare and rollback."""
    from hotline.settings.flows import OwnedBlock

    return OwnedBlock(name=BLOCK, model=ThresholdBody, label_zh=LABEL_ZH, label_en=LABEL_EN,
                      home="/hotspots#hot-threshold", default=default_body, rolled_back=rolled_back,
                      key=lambda b: b.get("threshold"), describe=describe)
