"""Items the spiders yield: listings, finished result pages, seller pages and listing pictures."""

from __future__ import annotations

from dataclasses import dataclass, field

from findings.records import utcnow


@dataclass
class Capture:
    """The exact bytes of one response, kept as evidence."""

    url: str
    body: bytes = field(repr=False)
    status: int = 200
    content_type: str = ""
    kind: str = "response"
    captured_at: str = field(default_factory=utcnow)
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_response(cls, response, kind: str = "response") -> "Capture":
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() for v in values]
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        return cls(url=response.url, body=response.body, status=response.status,
                   content_type=content_type, kind=kind, headers=headers)


@dataclass
class ListingItem:
    """One listing as the wire format dict, the query that found it and its evidence."""

    listing: dict
    query: str
    capture: Capture | None = None
    record: object = None          # findings.records.ListingRecord, set by normalise
    listing_ref: int | None = None  # listings.id, set when stored
    status: str | None = None       # new / changed / unchanged, set when stored
    result: dict | None = None      # classifier output, set when classified
    hit_only: bool = False          # "this query found it too"; its details come from elsewhere


@dataclass
class PageDone:
    """A result page whose listings (and their details) have all been yielded."""

    query: str
    page: int
    next_url: str | None
    last: bool
    listings: int = 0
    capture: Capture | None = None


@dataclass
class SellerItem:
    """A seller page: who sells, with the page as evidence."""

    platform: str
    seller_id: str
    name: str | None = None
    url: str | None = None
    capture: Capture | None = None


@dataclass
class ImageItem:
    """A flagged listing's picture: its verified bytes, or why it was refused."""

    platform: str
    listing_id: str
    url: str                         # as the listing shows it (a redirect may end elsewhere)
    capture: Capture | None = None   # None when refused
    refused: str | None = None       # why it was refused for good (fetching again would not help)
    listing_ref: int | None = None   # listings.id when the crawl knows it (local crawls)
