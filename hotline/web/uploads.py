"""Reading uploaded files with limits checked first (the portal's photos, appeal evidence).

Starlette has already spooled each part to a temporary file (at most 1 MB of it in
memory); what costs memory is reading them.  So: count the parts and look at each
part's recorded size before reading any byte, then read in chunks and stop one byte
past the cap.  An over-sized or surplus part is refused with a bilingual 413 / 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import UploadFile

from hotline.errors import BadRequest, TooLarge

CHUNK = 64 * 1024


def _too_large(limit: int, field: str) -> TooLarge:
    mb = max(1, limit // (1024 * 1024))
    return TooLarge("file_too_large", f"每个文件不能超过{mb}MB", f"each file may be at most {mb} MB", field=field)


def read_capped(upload: Any, limit: int, *, field: str = "files") -> bytes:
    """The file's bytes, read in chunks; refused as soon as it passes ``limit``."""
    f = upload.file
    f.seek(0)
    parts: list[bytes] = []
    total = 0
    while chunk := f.read(min(CHUNK, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise _too_large(limit, field)
        parts.append(chunk)
    return b"".join(parts)


def read_uploads(uploads: Sequence[UploadFile | Any] | None, *, max_count: int, max_bytes: int,
                 field: str = "files", noun: tuple[str, str] = ("个文件", "files")) -> list[tuple[str, bytes]]:
    """(filename, bytes) of the non-empty parts, after checking their number and declared sizes.

    ``noun`` words the count refusal: ("张照片", "photos") reads 最多上传3张照片 / at most 3 photos.
    """
    named = [u for u in uploads or [] if getattr(u, "filename", None)]
    if len(named) > max_count:
        raise BadRequest(f"too_many_{noun[1]}", f"最多上传{max_count}{noun[0]}", f"at most {max_count} {noun[1]}",
                         field=field)
    for u in named:
        if (getattr(u, "size", None) or 0) > max_bytes:
            raise _too_large(max_bytes, field)
    return [(str(u.filename), read_capped(u, max_bytes, field=field)) for u in named]
