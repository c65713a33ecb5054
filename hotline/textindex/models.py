"""The postings table: one row per (kind of document, token, document)."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.city.tenancy import CityOwned
from hotline.db import Base


class TextPosting(CityOwned, Base):
    """``kind`` names the corpus (``kb`` knowledge entries, ``order`` work orders).

    ``tf`` is how often the token occurs in the document and ``dl`` the document's
    length in tokens: with them BM25 is computed in SQL.  No foreign key on
    ``doc_id`` because it points into different tables per kind; the writers
    delete postings with their documents.
    """

    __tablename__ = "text_postings"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tf: Mapped[int] = mapped_column(Integer, default=1)
    dl: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_text_postings_kind_doc", "kind", "doc_id"),)


