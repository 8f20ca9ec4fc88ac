"""Schema of seller networks: each network, its member listings and the evidence of every link.

Append new migrations at the end, never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade-networks")


@migrations()
def m001_networks(db):
    """Networks rebuilt as a whole by ``facetrade networks build``; links keep why two nodes joined."""
    db.executescript(
        """
        -- size = sellers in the network (a listing without a seller counts as one).
        CREATE TABLE networks (
            id INTEGER PRIMARY KEY,
            size INTEGER NOT NULL,
            listings INTEGER NOT NULL,
            links INTEGER NOT NULL,
            kinds TEXT NOT NULL,
            built_at TEXT NOT NULL
        );
        CREATE INDEX idx_networks_size ON networks(size);

        CREATE TABLE network_members (
            network_ref INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            seller_ref INTEGER,
            PRIMARY KEY (listing_ref)
        );
        CREATE INDEX idx_network_members_network ON network_members(network_ref);
        CREATE INDEX idx_network_members_seller ON network_members(seller_ref);

        -- One row per piece of evidence joining two listings of different sellers:
        -- kind contact (detail = 'wechat:demo_wx_x'), text (Jaccard estimate) or image
        -- (dHash distance).
        CREATE TABLE network_links (
            id INTEGER PRIMARY KEY,
            network_ref INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('contact', 'text', 'image')),
            detail TEXT NOT NULL,
            listing_a INTEGER NOT NULL,
            listing_b INTEGER NOT NULL
        );
        CREATE INDEX idx_network_links_network ON network_links(network_ref);
        """
    )
