"""Grid workers' photos: only images, within size limits, re-encoded so nothing of the upload's
metadata survives (EXIF with GPS, maker notes, XMP, ICC, comments, thumbnails).

Why re-encode rather than cut segments: a JPEG's metadata hides in APPn segments, a PNG's in text
and eXIf chunks, a WebP's in RIFF chunks; decoding to pixels and writing a fresh JPEG drops them
all in one way.  The picture is first turned upright by its EXIF orientation, so dropping the
tag does not leave it on its side.  The position the platform keeps is the one the worker's
phone reported to the app, stored on the check (not whatever the camera wrote into the file).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from hotline.errors import BadRequest, TooLarge

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 8 * 1024 * 1024  # as uploaded
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_SIDE = 2560  # kept photos are scaled down to this long side
ACCEPTED = {"JPEG", "PNG", "WEBP"}


def clean_photo(data: bytes) -> bytes:
    """The photo as a fresh JPEG without any metadata; 4xx for anything that is not a photo we accept."""
    if not data:
        raise BadRequest("empty_file", "照片为空", "the photo is empty", field="photos")
    if len(data) > MAX_PHOTO_BYTES:
        raise TooLarge("photo_too_large", f"每张照片不能超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB",
                       f"each photo may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB", field="photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.format not in ACCEPTED:
                raise BadRequest("bad_photo_type", "只接受JPG、PNG或WebP照片", "only JPG, PNG or WebP photos are accepted",
                                 field="photos")
            if img.width * img.height > MAX_PIXELS:
                raise TooLarge("photo_too_large", "照片像素过大", "the photo has too many pixels", field="photos")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise BadRequest("bad_photo_type", "无法识别的照片文件", "the photo could not be read", field="photos") from exc
    img = ImageOps.exif_transpose(img)  # upright before the orientation tag goes
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True)  # no exif=, no icc_profile=: nothing carried over
    return out.getvalue()
