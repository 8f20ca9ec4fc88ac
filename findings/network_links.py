"""Find evidence that two listings come from one operation: a shared contact, near-identical text, a same image."""

from __future__ import annotations

import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from classifier.contacts import extract_contacts

logger = logging.getLogger(__name__)

# Kinds that identify a person; a shared URL or net-disk link is too often a public page.
CONTACT_KINDS = ("wechat", "qq", "phone", "telegram", "email")
SHINGLE = 4          # characters per text shingle: short enough for Chinese, long enough to be specific
MIN_TEXT_CHARS = 24  # shorter texts are too generic to call near-duplicates
NUM_PERM = 64


@dataclass(frozen=True)
class Link:
    """Evidence joining listing ``a`` and listing ``b``."""

    kind: str    # contact | text | image
    detail: str  # 'wechat:demo_wx_abc', 'jaccard 0.91', 'dhash distance 2'
    a: int
    b: int


def recovered_contacts(text: str) -> list[tuple[str, str]]:
    """Person-identifying contacts in a listing's text (for listings stored before the extractor knew them)."""
    return [(c["kind"], c["value"].lower()) for c in extract_contacts(text or "") if c["kind"] in CONTACT_KINDS]


def contact_groups(conn, texts: dict[int, str]) -> dict[tuple[str, str], set[int]]:
    """Map each (kind, value) contact to the listings that carry it, stored or recovered from text."""
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    marks = ",".join("?" * len(CONTACT_KINDS))
    rows = conn.execute(f"SELECT c.kind, c.value, lc.listing_ref FROM listing_contacts lc"
                        f" JOIN contacts c ON c.id = lc.contact_ref WHERE c.kind IN ({marks})", CONTACT_KINDS)
    for kind, value, ref in rows:
        groups[(kind, value.lower())].add(ref)
    for ref, text in texts.items():
        for key in recovered_contacts(text):
            groups[key].add(ref)
    return groups


def contact_links(groups: dict, node_of: dict[int, tuple]) -> list[Link]:
    """One link per extra node behind a contact (a star, not every pair: evidence stays readable)."""
    links = []
    for (kind, value), refs in sorted(groups.items()):
        first_by_node: dict[tuple, int] = {}
        for ref in sorted(refs):
            if ref in node_of:
                first_by_node.setdefault(node_of[ref], ref)
        anchors = list(first_by_node.values())
        links.extend(Link("contact", f"{kind}:{value}", anchors[0], other) for other in anchors[1:])
    return links


def _shingles(text: str) -> set[bytes]:
    compact = re.sub(r"\s+", "", text)
    return {compact[i:i + SHINGLE].encode("utf-8") for i in range(max(0, len(compact) - SHINGLE + 1))}


def text_links(texts: dict[int, str], node_of: dict[int, tuple], threshold: float) -> list[Link]:
    """Near-duplicate title+description pairs across sellers, by MinHash LSH over character shingles."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes = {}
    for ref, text in texts.items():
        if len(text) < MIN_TEXT_CHARS:
            continue
        mh = MinHash(num_perm=NUM_PERM, seed=1)
        mh.update_batch(list(_shingles(text)))
        hashes[ref] = mh
        lsh.insert(ref, mh)
    links, seen_nodes = [], set()
    for ref, mh in hashes.items():
        for other in lsh.query(mh):
            pair = tuple(sorted((node_of[ref], node_of[other])))
            if other <= ref or pair[0] == pair[1] or pair in seen_nodes:
                continue
            score = mh.jaccard(hashes[other])
            if score >= threshold:
                seen_nodes.add(pair)
                links.append(Link("text", f"jaccard {score:.2f}", ref, other))
    return links


def dhash(data: bytes, size: int = 8) -> int | None:
    """Difference hash of an image (64 bits): near-identical pictures differ in a few bits."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("L", (size * 4, size * 4))  # JPEG: decode small, huge images stay cheap
            pixels = np.asarray(img.convert("L").resize((size + 1, size)), dtype=np.int16)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        logger.info("image not hashed: %s", exc)
        return None
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def image_links(hashes: list[tuple[int, int]], node_of: dict[int, tuple], max_distance: int) -> list[Link]:
    """Pairs of listings of different sellers whose evidence images are within ``max_distance`` bits."""
    links, seen_nodes = [], set()
    for i, (ref, h) in enumerate(hashes):
        for other, h2 in hashes[i + 1:]:
            distance = (h ^ h2).bit_count()
            pair = tuple(sorted((node_of[ref], node_of[other])))
            if distance <= max_distance and pair[0] != pair[1] and pair not in seen_nodes:
                seen_nodes.add(pair)
                links.append(Link("image", f"dhash distance {distance}", ref, other))
    return links
