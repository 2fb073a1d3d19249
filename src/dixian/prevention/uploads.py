"""Checks on uploaded images: the type is read from the content (magic bytes), not the name."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]


def max_bytes() -> int:
    return int(getattr(settings, "PREVENTION_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def sniff(data: bytes) -> str | None:
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_image(upload, *, field: str = "photo") -> tuple[bytes, str]:
    """The bytes and content type of an uploaded image; a ValidationError names the problem
    (too large, or not a JPEG/PNG/GIF/WebP image whatever its name says)."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            {
                field: _("The file is too large (at most %(mb)s MB).")
                % {"mb": limit // (1024 * 1024)}
            }
        )
    data = upload.read(limit + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > limit:
        raise ValidationError(
            {
                field: _("The file is too large (at most %(mb)s MB).")
                % {"mb": limit // (1024 * 1024)}
            }
        )
    kind = sniff(data)
    if kind is None:
        raise ValidationError({field: _("Only photos (JPEG, PNG, GIF or WebP) can be uploaded.")})
    return data, kind


def image_size(data: bytes) -> tuple[int, int]:
    from io import BytesIO

    from PIL import Image

    try:
        with Image.open(BytesIO(data)) as img:
            return img.size
    except Exception:
        raise ValidationError({"image": _("The image could not be read.")}) from None
