"""Keep captures (pages, flagged listings' pictures) as evidence: bytes + SHA-256 in the db, and a WARC record."""

from __future__ import annotations

import logging
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import images
from crawler.items import ListingItem
from crawler.pipelines import run_of

logger = logging.getLogger(__name__)
# The stored body is the decoded one, so the original framing headers would lie about it.
_BODY_FRAMING = {"content-length", "content-encoding", "transfer-encoding"}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class WarcFile:
    """Append-only gzipped WARC file; one response record per distinct capture."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(path, "ab")
        self.writer = WARCWriter(self.handle, gzip=True)
        self.written: dict[tuple[str, str], str] = {}

    def write(self, capture) -> str:
        """Write a response record (once per url+capture time) and return its WARC-Record-ID."""
        key = (capture.url, capture.captured_at)
        if key in self.written:
            return self.written[key]
        headers = [(k, v) for k, v in capture.headers if k.lower() not in _BODY_FRAMING]
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", capture.content_type or "application/octet-stream"))
        status = f"{capture.status} {_reason(capture.status)}"
        record = self.writer.create_warc_record(
            capture.url, "response", payload=BytesIO(capture.body),
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": capture.captured_at})
        self.writer.write_record(record)
        self.handle.flush()
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        self.written[key] = record_id
        return record_id

    def close(self) -> None:
        self.handle.close()


class EvidencePipeline:
    def __init__(self, run=None):
        self.run = run
        self.warc = None
        if run is not None:
            warc_dir = Path(run.warc_dir) if run.warc_dir else run.store.evidence_dir.parent / "warc"
            self.warc = WarcFile(warc_dir / f"{run.site}-run{run.run_id}.warc.gz")
            run.add_step(self.flush)
            run.closers.append(self.warc.close)  # after the run's last flush, not before it

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler))

    def process_item(self, item):
        if self.run is not None:
            self.run.maybe_flush(item)  # last pipeline: the whole page has passed every step
        return item

    def flush(self, batch) -> None:
        """Add evidence rows for stored listings, seller pages and finished result pages."""
        linked = set()
        for item in batch.listings:
            if isinstance(item, ListingItem) and item.capture and item.listing_ref:
                self._add(item.capture, item.listing_ref)
                linked.add(id(item.capture))
        for page in batch.pages + batch.sellers:
            if page.capture and id(page.capture) not in linked:  # kept once, not per listing
                self._add(page.capture, None)
        for image in batch.images:
            self._add_image(image)

    def _add_image(self, image) -> None:
        """Keep a flagged listing's picture (or its refusal) once per listing and URL."""
        conn = self.run.db.conn
        ref = image.listing_ref or images.listing_ref_of(conn, image.platform, image.listing_id)
        if ref is None:
            self.run.error("image of unknown listing %s:%s not kept: %s", image.platform, image.listing_id, image.url)
            return
        if image.url in images.known_urls(conn, ref):  # e.g. two distributed workers fetched it
            return
        evidence_ref = self._add(image.capture, ref) if image.capture else None
        images.record(conn, ref, image.url, evidence_ref=evidence_ref, refused=image.refused)
        self.run.images["refused" if image.refused else "stored"] += 1

    def _add(self, capture, listing_ref) -> int:
        record_id = self.warc.write(capture)
        return self.run.store.add_evidence(
            url=capture.url, body=capture.body, listing_ref=listing_ref, run_ref=self.run.run_id,
            http_status=capture.status, content_type=capture.content_type, kind=capture.kind,
            captured_at=capture.captured_at, warc_path=str(self.warc.path), warc_record_id=record_id)
