"""Train, store and activate routing models — from the database or a CSV (the demo: ``hotline.demo.routing``).

A model is a file under ``data_dir/models`` plus a ``routing_models`` row; at
most one is active per purpose, and running servers pick the new one up within
``service.RELOAD_SECONDS`` (no restart).  Labels for purpose ``category`` are
top-level category *names* (so a model trained on the Teddy Cup messages and one
trained on the city's own history are interchangeable); for ``unit`` they are
unit codes.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.errors import BadRequest
from hotline.orders.models import Order
from hotline.org.models import AuditLog, Category, Unit
from hotline.routing.models import RoutingModel

FINISHED = ("completed", "closed")


def register(db: Session, *, purpose: str, texts: list[str], labels: list[str], source: str,
             actor: str = "system") -> RoutingModel:
    """Train on (texts, labels), save, and make it the active model for ``purpose``."""
    from hotline.routing.model import TextClassifier

    if purpose not in ("category", "unit"):
        raise BadRequest("bad_purpose", "用途须为 category 或 unit", "purpose must be category or unit")
    if len(set(labels)) < 2:
        raise BadRequest("too_few_labels", "训练数据至少需要两个类别", "training data needs at least two labels")
    t0 = time.perf_counter()
    model = TextClassifier.train(texts, labels)
    seconds = time.perf_counter() - t0
    folder = get_settings().model_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{purpose}-{model.version}.joblib"
    model.save(path)
    existing = db.scalar(select(RoutingModel).where(RoutingModel.version == f"{purpose}:{model.version}"))
    db.execute(update(RoutingModel).where(RoutingModel.purpose == purpose).values(active=False))
    row = existing or RoutingModel(purpose=purpose, version=f"{purpose}:{model.version}")
    row.path, row.n_train, row.source, row.active = str(path), len(texts), source, True
    row.metrics = {"train_seconds": round(seconds, 2), "labels": len(set(labels))}
    db.add(row)
    db.add(AuditLog(actor_label=actor, action="routing.model.activate", entity="routing_model",
                    entity_id=row.version, data={"source": source, "n_train": len(texts)}))
    db.flush()
    return row


def training_set_from_db(db: Session, *, purpose: str) -> tuple[list[str], list[str]]:
    """Finished orders with their final category (top-level name) or handling unit (code)."""
    from hotline.routing.service import branches

    tops = {c.code: c.name for c in db.scalars(select(Category).where(Category.level == 1))}
    top_of = branches(db)  # the live tree: a category moved in the catalogue trains its new branch
    rows = db.execute(select(Order.title, Order.content, Order.category_code, Unit.code)
                      .join(Unit, Unit.id == Order.lead_unit_id)
                      .where(Order.status.in_(FINISHED), Order.category_code.is_not(None)))
    texts, labels = [], []
    for title, content, cat, unit in rows:
        label = tops.get(top_of.get(cat or "", (cat or "")[:2])) if purpose == "category" else unit
        if label:
            texts.append(f"{title}\n{content}")
            labels.append(label)
    return texts, labels


def read_csv_training(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str]]:
    from hotline.routing.model import read_labelled_csv

    return read_labelled_csv(path, text_column, label_column)
