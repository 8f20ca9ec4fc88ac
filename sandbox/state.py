"""The mutable state of one sandbox server: catalogue, takedowns, search cache, counters."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter

from sandbox.catalogue import Catalogue, Listing, build_catalogue
from sandbox.options import SandboxOptions
from sandbox.ratelimit import RateLimiter


def query_terms(query: str) -> list[str]:
    """Split a query the way every sandbox search does: lowercased, whitespace-separated terms."""
    return (query or "").lower().split()


class SandboxState:
    """Holds the catalogue and what tests change at run time (removals, blocks, faults)."""

    def __init__(self, options: SandboxOptions):
        self.options = options
        self.catalogue: Catalogue = build_catalogue(options.listings, options.seed)
        self.limiter = RateLimiter(options)
        self.stats: Counter = Counter()
        self._lock = threading.Lock()
        self._removed: set[int] = set()
        # Bumped to log every Goofish session out (a stale storage-state file).
        self.session_generation = 0
        self._failed_once: set[str] = set()
        self._cache: dict[tuple, list[Listing]] = {}
        self._site_lists = {site: self.catalogue.on_site(site) for site in
                            ("goofish", "taobao", "classifieds_zh", "classifieds_en")}

    # -- catalogue views -------------------------------------------------------------
    def live(self, listing_id) -> Listing | None:
        """Return a listing that exists and was not taken down, else None."""
        try:
            item = self.catalogue.by_id.get(int(listing_id))
        except (TypeError, ValueError):
            return None
        return None if item is None or item.id in self._removed else item

    def search(self, site: str, query: str) -> list[Listing]:
        """Return the live listings on ``site`` whose title + description contain every term."""
        terms = tuple(query_terms(query))
        key = (site, terms)
        found = self._cache.get(key)
        if found is None:
            found = [item for item in self._site_lists[site]
                     if item.id not in self._removed and all(t in item.text for t in terms)]
            self._cache[key] = found
        return found

    def seller_listings(self, site: str, seller_id) -> list[Listing]:
        """Return a seller's live listings on ``site``, newest first."""
        seller = self.catalogue.sellers.get(int(seller_id))
        if seller is None:
            return []
        items = (self.catalogue.by_id[i] for i in seller.listing_ids)
        return [i for i in items if site in i.sites and i.id not in self._removed]

    @property
    def removed(self) -> set[int]:
        return set(self._removed)

    # -- changes made by tests -------------------------------------------------------
    def remove(self, ids) -> int:
        """Take listings down everywhere; return how many were live before."""
        with self._lock:
            wanted = {int(i) for i in ids if int(i) in self.catalogue.by_id}
            fresh = wanted - self._removed
            self._removed |= wanted
            self._cache.clear()
        return len(fresh)

    def reset(self) -> None:
        """Bring back every listing and forget blocks, faults and counters."""
        with self._lock:
            self._removed.clear()
            self._cache.clear()
            self._failed_once.clear()
            self.limiter.reset()
            self.stats.clear()

    # -- deterministic faults --------------------------------------------------------
    def fault_for(self, url_key: str) -> str | None:
        """Return ``"error"`` (first try only), ``"slow"`` or None for a page, by URL and seed."""
        opts = self.options
        if opts.fail_rate <= 0 and opts.slow_rate <= 0:
            return None
        digest = hashlib.blake2b(f"{opts.seed}|{url_key}".encode(), digest_size=8).digest()
        roll = int.from_bytes(digest, "big") / 2**64
        if roll < opts.fail_rate:
            with self._lock:
                if url_key not in self._failed_once:
                    self._failed_once.add(url_key)
                    return "error"
            return None
        if roll < opts.fail_rate + opts.slow_rate:
            return "slow"
        return None
