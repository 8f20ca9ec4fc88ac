"""Seller networks: sellers joined by shared contacts, near-duplicate text or images, as connected components."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter, defaultdict

import sqlite_utils

from findings.network_links import Link, contact_groups, contact_links, dhash, image_links, text_links
from findings.records import utcnow

logger = logging.getLogger(__name__)

TEXT_THRESHOLD = 0.8  # estimated Jaccard of 4-character shingles: a copy with a changed handle or price
IMAGE_DISTANCE = 4    # of 64 dHash bits: re-encoded or resized copies of one picture
MAX_IMAGE_BYTES = 20_000_000


def _node(seller_ref, listing_ref) -> tuple:
    return ("s", seller_ref) if seller_ref is not None else ("l", listing_ref)


def _load(conn) -> tuple[dict[int, tuple], dict[int, str]]:
    node_of, texts = {}, {}
    for ref, seller, title, description in conn.execute(
            "SELECT id, seller_ref, title, description FROM listings"):
        node_of[ref] = _node(seller, ref)
        texts[ref] = f"{title or ''} {description or ''}".strip()
    return node_of, texts


def _normalised(texts: dict[int, str]) -> dict[int, str]:
    from classifier.normalize import normalize_many

    refs = list(texts)
    return dict(zip(refs, normalize_many([texts[r] for r in refs])))


def _image_hashes(db: sqlite_utils.Database, node_of: dict) -> list[tuple[int, int]]:
    from findings.store import Store

    store, hashes = Store(db), []
    rows = db.conn.execute("SELECT id, listing_ref FROM evidence WHERE listing_ref IS NOT NULL"
                           " AND (content_type LIKE 'image/%' OR kind IN ('image', 'screenshot'))"
                           " AND size <= ?", (MAX_IMAGE_BYTES,)).fetchall()
    for evidence_id, ref in rows:
        try:
            value = dhash(store.evidence_bytes(evidence_id))
        except (OSError, ValueError) as exc:  # a missing or altered evidence file: skip, say which
            logger.warning("evidence %s not hashed: %s", evidence_id, exc)
            continue
        if value is not None and ref in node_of:
            hashes.append((ref, value))
    return hashes


def find_links(db: sqlite_utils.Database, *, text_threshold: float = TEXT_THRESHOLD,
               image_distance: int = IMAGE_DISTANCE) -> tuple[dict[int, tuple], list[Link]]:
    """Return each listing's node (its seller) and every link between listings of different nodes."""
    node_of, texts = _load(db.conn)
    links = contact_links(contact_groups(db.conn, texts), node_of)
    links += text_links(_normalised(texts), node_of, text_threshold)
    links += image_links(_image_hashes(db, node_of), node_of, image_distance)
    return node_of, links


def components(node_of: dict[int, tuple], links: list[Link]) -> list[set[tuple]]:
    """Connected components (two nodes or more) of the node graph the links draw."""
    parent: dict[tuple, tuple] = {}

    def root(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for link in links:
        a, b = root(node_of[link.a]), root(node_of[link.b])
        if a != b:
            parent[b] = a
    groups = defaultdict(set)
    for node in parent:
        groups[root(node)].add(node)
    return [g for g in groups.values() if len(g) > 1]


def build_networks(db: sqlite_utils.Database, **options) -> list[dict]:
    """Rebuild every network from the listings now stored; feed their sizes to the review queue."""
    node_of, links = find_links(db, **options)
    groups = components(node_of, links)
    listings_of = defaultdict(list)
    for ref, node in node_of.items():
        listings_of[node].append(ref)
    groups.sort(key=len, reverse=True)
    group_no = {node: i for i, group in enumerate(groups) for node in group}
    links_of = defaultdict(list)
    for link in links:
        links_of[group_no[node_of[link.a]]].append(link)
    now, conn, built = utcnow(), db.conn, []
    with conn:
        conn.execute("DELETE FROM networks")
        for i, group in enumerate(groups):
            refs = sorted(r for node in group for r in listings_of[node])
            mine = links_of[i]
            kinds = dict(Counter(k.kind for k in mine))
            cursor = conn.execute("INSERT INTO networks (size, listings, links, kinds, built_at) VALUES (?, ?, ?, ?, ?)",
                                  (len(group), len(refs), len(mine), json.dumps(kinds), now))
            nid = cursor.lastrowid
            conn.executemany("INSERT INTO network_members (network_ref, listing_ref, seller_ref) VALUES (?, ?, ?)",
                             [(nid, r, node_of[r][1] if node_of[r][0] == "s" else None) for r in refs])
            conn.executemany("INSERT INTO network_links (network_ref, kind, detail, listing_a, listing_b)"
                             " VALUES (?, ?, ?, ?, ?)", [(nid, k.kind, k.detail, k.a, k.b) for k in mine])
            built.append({"id": nid, "size": len(group), "listings": len(refs), "kinds": kinds})
        apply_to_queue(conn)
    logger.info("networks: %s built from %s links", len(built), len(links))
    return built


def stored_network_size(conn, listing_ref: int) -> int | None:
    """Other sellers in this listing's network (None when it is in none, e.g. new since the build)."""
    row = conn.execute("SELECT n.size FROM network_members m JOIN networks n ON n.id = m.network_ref"
                       " WHERE m.listing_ref = ?", (listing_ref,)).fetchone()
    return row[0] - 1 if row else None


def apply_to_queue(conn) -> int:
    """Set each queued item's ``network_size`` (and priority) from its network; returns items changed."""
    from findings.web.sync import NETWORK_WEIGHT

    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'review_items'").fetchone():
        return 0
    rows = conn.execute(
        "SELECT ri.listing_ref, ri.network_size, coalesce(n.size - 1, 0) FROM review_items ri"
        " LEFT JOIN network_members m ON m.listing_ref = ri.listing_ref"
        " LEFT JOIN networks n ON n.id = m.network_ref").fetchall()
    changes = [(new, NETWORK_WEIGHT * (math.log2(1 + new) - math.log2(1 + old)), utcnow(), ref)
               for ref, old, new in rows if new != old]
    conn.executemany("UPDATE review_items SET network_size = ?, base_priority = base_priority + ?,"
                     " updated_at = ? WHERE listing_ref = ?", changes)
    return len(changes)


def list_networks(conn, limit: int = 100) -> list[dict]:
    """The largest networks first."""
    cursor = conn.execute("SELECT id, size, listings, links, kinds, built_at FROM networks"
                          " ORDER BY size DESC, listings DESC, id LIMIT ?", (limit,))
    return [dict(zip([c[0] for c in cursor.description], row)) for row in cursor]


def network_of(conn, listing_ref: int) -> int | None:
    """The id of the network holding this listing, if any."""
    row = conn.execute("SELECT network_ref FROM network_members WHERE listing_ref = ?", (listing_ref,)).fetchone()
    return row[0] if row else None


def get_network(conn, network_id: int) -> dict | None:
    """A network with its sellers, listings (with review status) and links."""
    head = conn.execute("SELECT id, size, listings, links, kinds, built_at FROM networks WHERE id = ?",
                        (network_id,)).fetchone()
    if head is None:
        return None
    net = dict(zip(("id", "size", "listings", "links", "kinds", "built_at"), head))
    net["kinds"] = json.loads(net["kinds"])
    cursor = conn.execute(
        "SELECT l.id, l.platform, l.listing_id, l.title, l.price_text, m.seller_ref, s.seller_id, s.name AS seller_name,"
        " ri.status AS review_status, ri.score FROM network_members m JOIN listings l ON l.id = m.listing_ref"
        " LEFT JOIN sellers s ON s.id = m.seller_ref LEFT JOIN review_items ri ON ri.listing_ref = l.id"
        " WHERE m.network_ref = ? ORDER BY m.seller_ref, l.id", (network_id,))
    net["members"] = [dict(zip([c[0] for c in cursor.description], r)) for r in cursor]
    net["edges"] = [dict(zip(("kind", "detail", "a", "b"), r)) for r in conn.execute(
        "SELECT kind, detail, listing_a, listing_b FROM network_links WHERE network_ref = ? ORDER BY id",
        (network_id,))]
    shared = defaultdict(set)
    for edge in net["edges"]:
        if edge["kind"] == "contact":
            shared[edge["detail"]].update((edge["a"], edge["b"]))
    net["shared_contacts"] = {k: sorted(v) for k, v in sorted(shared.items())}
    return net


def _masked_detail(detail: str, masked: bool) -> str:
    from findings.export.masking import mask_contact

    kind, _, value = detail.partition(":")
    return f"{kind}:{mask_contact(kind, value)}" if masked and value else detail


def export_csv(net: dict, out, *, masked: bool = True) -> None:
    """One row per link: kind, evidence, and both listings with their sellers."""
    import csv

    by_ref = {m["id"]: m for m in net["members"]}
    writer = csv.writer(out)
    writer.writerow(["network", "kind", "evidence", "listing_a", "seller_a", "listing_b", "seller_b"])
    for e in net["edges"]:
        a, b = by_ref.get(e["a"], {}), by_ref.get(e["b"], {})
        writer.writerow([net["id"], e["kind"], _masked_detail(e["detail"], masked) if e["kind"] == "contact"
                         else e["detail"], f"{a.get('platform')}:{a.get('listing_id')}", a.get("seller_id") or "",
                         f"{b.get('platform')}:{b.get('listing_id')}", b.get("seller_id") or ""])


def export_graphml(net: dict, out, *, masked: bool = True) -> None:
    """GraphML: seller and listing nodes, listed-by edges and evidence edges (Gephi, networkx, yEd)."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
              '  <key id="type" for="node" attr.name="type" attr.type="string"/>\n'
              '  <key id="label" for="node" attr.name="label" attr.type="string"/>\n'
              '  <key id="kind" for="edge" attr.name="kind" attr.type="string"/>\n'
              '  <key id="evidence" for="edge" attr.name="evidence" attr.type="string"/>\n'
              f'  <graph id="network-{int(net["id"])}" edgedefault="undirected">\n')
    sellers = set()
    for m in net["members"]:
        seller, listing = m["seller_ref"], int(m["id"])
        if seller is not None and seller not in sellers:
            sellers.add(seller)
            out.write(f'    <node id="s{int(seller)}"><data key="type">seller</data>'
                      f'<data key="label">{_text(m["seller_name"] or m["seller_id"])}</data></node>\n')
        out.write(f'    <node id="l{listing}"><data key="type">listing</data>'
                  f'<data key="label">{_text(m["title"])}</data></node>\n')
        if seller is not None:
            out.write(f'    <edge source="s{int(seller)}" target="l{listing}"><data key="kind">listed_by</data></edge>\n')
    for e in net["edges"]:
        evidence = _masked_detail(e["detail"], masked) if e["kind"] == "contact" else e["detail"]
        out.write(f'    <edge source="l{int(e["a"])}" target="l{int(e["b"])}"><data key="kind">{e["kind"]}'
                  f'</data><data key="evidence">{_text(evidence)}</data></edge>\n')
    out.write("  </graph>\n</graphml>\n")


def _text(value) -> str:
    from xml.sax.saxutils import escape

    # XML 1.0 cannot hold most control characters, which hostile titles carry.
    return escape("".join(ch for ch in str(value or "") if ch in "\t\n\r" or ord(ch) >= 32))
