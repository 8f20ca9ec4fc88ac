"""Hostile variants of pages: huge, truncated, mislabelled, broken — as crawled content can be."""

from __future__ import annotations

import random
import struct
import zlib
from functools import lru_cache

# On-demand kinds a client can ask for with ``?hostile=KIND`` on any sandbox page.
ON_DEMAND = ("script_title", "huge_page", "wrong_charset", "broken_html", "truncated_json")
HUGE_PAGE_BYTES = 4 * 1024 * 1024
SCRIPT_TITLE = '<script>alert("sandbox")</script>'


@lru_cache(maxsize=1)
def _padding() -> str:
    # Text in many elements, so that a parser really has to walk it.
    row = '<p class="pad">填充内容 filler text 填充内容 filler text 填充内容</p>\n'
    return row * (HUGE_PAGE_BYTES // len(row.encode("utf-8")) + 1)


def huge_html(page: str) -> str:
    """Return ``page`` with several MB of filler before ``</body>``."""
    cut = page.rfind("</body>")
    cut = len(page) if cut < 0 else cut
    return page[:cut] + _padding() + page[cut:]


def broken_html(page: str) -> str:
    """Return ``page`` cut short, with unclosed and stray tags, as a half-sent page looks."""
    cut = max(1, int(len(page) * 0.6))
    return page[:cut] + '</span></b><div class="x"><table><tr><td><a href="/broken?q=<" \x00<p'


def truncate(text: str) -> str:
    """Return the first half of a JSON document (a connection dropped mid-answer)."""
    return text[: max(1, len(text) // 2)]


@lru_cache(maxsize=2)
def huge_image(seed: int) -> bytes:
    """Return a ~6 MB PNG of noise (incompressible, so the bytes really are that many)."""
    from io import BytesIO

    from PIL import Image

    side = 1400
    noise = random.Random(seed).randbytes(side * side * 3)
    out = BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@lru_cache(maxsize=1)
def bomb_image() -> bytes:
    """Return a small PNG that claims 20000×20000 pixels (a decompression bomb)."""
    width = height = 20000
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width // 8)  # filter byte + one bit per pixel
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
