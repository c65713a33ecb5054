"""Attachments on disk: size and type are checked, and the type is read from the bytes.

A file's claimed MIME type is not trusted; the first bytes must match the type
(JPEG, PNG, GIF, WebP, PDF, MP3, WAV).  Files are stored by content hash under
``data_dir/uploads/ab/cd/<sha256>`` so that a name can never escape the folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.errors import BadRequest, TooLarge
from hotline.orders.models import Attachment, Order

MAGIC: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
    (b"ID3", 0, "audio/mpeg"),
    (b"\xff\xfb", 0, "audio/mpeg"),
    (b"WAVE", 8, "audio/wav"),
]


def sniff(data: bytes) -> str | None:
    for magic, offset, mime in MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return mime
    return None


def store_attachment(db: Session, *, order: Order, filename: str, data: bytes, user_id: int | None
                     ) -> Attachment:
    settings = get_settings()
    if len(data) == 0:
        raise BadRequest("empty_file", "文件为空", "the file is empty", field="file")
    if len(data) > settings.max_upload_bytes:
        mb = settings.max_upload_bytes // (1024 * 1024)
        raise TooLarge("file_too_large", f"文件不能超过{mb}MB", f"files may be at most {mb} MB", field="file")
    mime = sniff(data)
    if mime is None or mime not in settings.allowed_upload_types:
        raise BadRequest("bad_file_type", "只接受图片（JPG/PNG/GIF/WebP）、PDF和音频（MP3/WAV）",
                         "only images (JPG/PNG/GIF/WebP), PDF and audio (MP3/WAV) are accepted", field="file")
    digest = hashlib.sha256(data).hexdigest()
    rel = Path(digest[:2]) / digest[2:4] / digest
    path = settings.upload_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    safe_name = Path(filename or "file").name[:200] or "file"
    att = Attachment(order_id=order.id, uploaded_by_id=user_id, filename=safe_name, content_type=mime,
                     size=len(data), sha256=digest, storage_path=str(rel))
    db.add(att)
    return att


def attachment_path(att: Attachment) -> Path:
    return get_settings().upload_dir / att.storage_path
