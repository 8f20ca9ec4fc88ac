"""Small generated product pictures (PNG/JPEG), a few large ones, and the hostile ones."""

from __future__ import annotations

import hashlib
import random
import re
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw

from sandbox import hostile
from sandbox.catalogue import Listing

# Listing id and picture number inside any sandbox image URL, e.g. O1CN011076...x2_!!0-xy_item.jpg
IMAGE_NAME = re.compile(r"(\d{10,})\D(\d{1,2})\D")


def parse_name(path: str) -> tuple[int, int] | None:
    """Return ``(listing_id, number)`` from an image path, or None."""
    match = IMAGE_NAME.search(path)
    return (int(match.group(1)), int(match.group(2))) if match else None


def media_type(path: str) -> str:
    return "image/png" if path.lower().endswith(".png") else "image/jpeg"


def picture(item: Listing, number: int, fmt: str, seed: int) -> bytes:
    """Return the bytes of picture ``number`` of a listing (hostile listings get hostile ones)."""
    if number == 1 and item.hostile == "huge_image":
        return hostile.huge_image(seed)
    if number == 1 and item.hostile == "bomb_image":
        return hostile.bomb_image()
    return _render(item.id, number, fmt, item.large_images, item.category or item.group)


@lru_cache(maxsize=1024)
def _render(listing_id: int, number: int, fmt: str, large: bool, caption: str) -> bytes:
    digest = hashlib.blake2b(f"{listing_id}-{number}".encode(), digest_size=6).digest()
    size = (2400, 1800) if large else (240 + digest[3] % 160, 240 + digest[4] % 160)
    image = Image.new("RGB", size, tuple(digest[:3]))
    draw = ImageDraw.Draw(image)
    w, h = size
    # Blocks of light and shade placed by the listing id, so two listings' pictures differ the
    # way two photos do (a perceptual hash tells them apart; plain colour cards all look alike).
    rng = random.Random(f"{listing_id}-{number}")
    for _ in range(6):
        x, y = rng.randrange(w), rng.randrange(h)
        shade = rng.randrange(256)
        draw.rectangle([x, y, x + rng.randrange(w // 6, w // 2), y + rng.randrange(h // 6, h // 2)],
                       fill=(shade, shade, shade))
    draw.rectangle([w // 8, h // 4, w * 7 // 8, h * 3 // 4], outline=(255, 255, 255), width=3)
    draw.text((w // 8 + 6, h // 4 + 6), f"SAMPLE {caption}", fill=(255, 255, 255))
    if caption == "id_kit":
        draw.text((w // 8 + 6, h // 4 + 22), "ID 000000190001010000 (FAKE)", fill=(255, 255, 255))
    draw.text((w // 8 + 6, h * 3 // 4 - 18), f"#{listing_id}-{number}", fill=(255, 255, 255))
    out = BytesIO()
    if fmt == "png":
        image.save(out, format="PNG")
    else:
        image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def avatar(name: str) -> bytes:
    """Return a seller's small avatar picture (``avatar/<seller id>.jpg``)."""
    digits = "".join(c for c in name if c.isdigit()) or "0"
    return _render(int(digits), 0, "jpeg", False, "avatar")
