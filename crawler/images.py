"""Flagged listings' pictures as evidence: which to fetch, the request, and the hostile-input checks."""

from __future__ import annotations

import logging
import warnings
from io import BytesIO

import scrapy
from PIL import Image, UnidentifiedImageError

from findings.records import utcnow

logger = logging.getLogger(__name__)

# Raster formats a listing photo comes in; Pillow's other decoders are attack surface
# we do not need (and the review app only shows these).
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
IMAGE_META = "facetrade_image"


class ImageRefused(ValueError):
    """Downloaded bytes that are not kept as evidence; the message says why."""


def check_image(body: bytes) -> str:
    """Return the MIME type of ``body`` if it is a whole picture we keep; raise ImageRefused.

    Pillow's decompression-bomb guard (``Image.MAX_IMAGE_PIXELS``) is made strict: its
    warning (over the limit) refuses the picture like its error (twice the limit) does.
    """
    if not body:
        raise ImageRefused("empty answer, not an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(body), formats=FORMATS) as image:
                kind = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(f"decompression bomb refused ({exc})") from None
    except UnidentifiedImageError:
        raise ImageRefused(f"not a {'/'.join(FORMATS)} image") from None
    except Exception as exc:  # Pillow raises many types (SyntaxError, struct.error, ...) on bad files
        raise ImageRefused(f"not a valid {'/'.join(FORMATS)} image ({type(exc).__name__}: {exc})") from None
    return Image.MIME.get(kind, "application/octet-stream")


def wanted_urls(image_urls, limit: int) -> list[str]:
    """The listing's first ``limit`` distinct http(s) picture URLs, in the listing's order."""
    wanted: list[str] = []
    for url in image_urls or []:
        if isinstance(url, str) and url.startswith(("http://", "https://")) and url not in wanted:
            wanted.append(url)
    return wanted[: max(0, limit)]


def image_request(spider, url: str, *, platform: str, listing_id: str, listing_ref: int | None,
                  maxsize: int) -> scrapy.Request:
    """A request for one picture, answered by the spider (so it can be queued in Redis too)."""
    return scrapy.Request(
        url, callback=spider.parse_image, errback=spider.image_failed,
        cb_kwargs={"platform": platform, "listing_id": str(listing_id), "listing_ref": listing_ref},
        # Stop reading at the cap (Scrapy aborts the download) and do not warn below it.
        meta={"download_maxsize": maxsize, "download_warnsize": maxsize, IMAGE_META: True})


def known_urls(conn, listing_ref: int) -> set[str]:
    """Picture URLs of a listing already kept as evidence or refused for good."""
    rows = conn.execute(
        "SELECT url FROM listing_images WHERE listing_ref = ?"
        " UNION SELECT url FROM evidence WHERE listing_ref = ? AND kind = 'image'",
        (listing_ref, listing_ref))
    return {url for (url,) in rows}


def listing_ref_of(conn, platform: str, listing_id: str) -> int | None:
    row = conn.execute("SELECT id FROM listings WHERE platform = ? AND listing_id = ?",
                       (platform, str(listing_id))).fetchone()
    return row[0] if row else None


def record(conn, listing_ref: int, url: str, *, evidence_ref: int | None = None,
           refused: str | None = None) -> None:
    """Remember what became of one of a listing's picture URLs."""
    conn.execute(
        "INSERT OR REPLACE INTO listing_images (listing_ref, url, status, reason, evidence_ref, checked_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (listing_ref, url, "refused" if refused else "stored", refused, evidence_ref, utcnow()))
