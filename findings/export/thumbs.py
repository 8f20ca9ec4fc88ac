"""Blurred thumbnails of image evidence: faces and ID photos are never shown sharp in a report."""

from __future__ import annotations

import base64
import io
import logging

from PIL import Image, ImageFilter, UnidentifiedImageError

from findings.web.itemdata import evidence_body, image_type

logger = logging.getLogger(__name__)

THUMB_PX = 240
MAX_PIXELS = 40_000_000  # a bigger image is a decompression bomb, not evidence
MAX_THUMBS = 4


def blurred_png(data: bytes, *, size: int = THUMB_PX) -> bytes:
    """A small PNG of ``data`` blurred so strongly that faces and numbers cannot be read."""
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError(f"image too large to thumbnail ({image.width}x{image.height})")
        image = image.convert("RGB")
        image.thumbnail((size, size))
        # A radius of a tenth of the picture leaves colours and layout, nothing identifying.
        radius = max(6, max(image.size) // 10)
        blurred = image.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    blurred.save(out, format="PNG", optimize=True)
    return out.getvalue()


def thumbnails(conn, evidence: list[dict], *, limit: int = MAX_THUMBS) -> list[dict]:
    """Blurred data-URI thumbnails for a listing's image evidence (screenshots, photos)."""
    found = []
    for row in evidence:
        if len(found) >= limit:
            break
        if not _maybe_image(row):
            continue
        loaded = evidence_body(conn, row["id"])
        if loaded is None or image_type(loaded[1]) is None:
            continue
        try:
            png = blurred_png(loaded[1])
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            logger.warning("evidence %s: cannot make a thumbnail: %s", row["id"], exc)
            continue
        found.append({"evidence_id": row["id"], "sha256": row["sha256"], "kind": row["kind"],
                      "data_uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii")})
    return found


def _maybe_image(row: dict) -> bool:
    kind = (row.get("content_type") or "").lower()
    return kind.startswith("image/") or row.get("kind") in ("screenshot", "image", "photo")
