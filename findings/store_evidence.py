"""Keep the exact bytes of what was captured, with their SHA-256 and capture time."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from findings.records import utcnow

# Bodies above this go to a content-addressed file instead of the row.
INLINE_EVIDENCE_LIMIT = 2_000_000


class EvidenceMixin:
    """Evidence writes and reads for :class:`findings.store.Store`."""

    def add_evidence(self, *, url: str, body: bytes, listing_ref: int | None = None,
                     run_ref: int | None = None, http_status: int | None = None,
                     content_type: str | None = None, captured_at: str | None = None,
                     kind: str = "response", warc_path: str | None = None,
                     warc_record_id: str | None = None) -> int:
        """Keep the exact bytes of a response (or screenshot) with its SHA-256 and capture time."""
        digest = hashlib.sha256(body).hexdigest()
        blob, compression, file_path = None, None, None
        if len(body) <= INLINE_EVIDENCE_LIMIT:
            blob, compression = zlib.compress(body, 6), "zlib"
        else:
            target = self.evidence_dir / digest[:2] / digest
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".tmp")
                tmp.write_bytes(body)
                tmp.replace(target)
            file_path = str(target)
        with self.db.atomic():
            cursor = self.conn.execute(
                "INSERT INTO evidence (listing_ref, run_ref, kind, url, captured_at, http_status,"
                " content_type, sha256, size, body, compression, file_path, warc_path, warc_record_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (listing_ref, run_ref, kind, url, captured_at or utcnow(), http_status, content_type,
                 digest, len(body), blob, compression, file_path, warc_path, warc_record_id))
        return cursor.lastrowid

    def evidence_bytes(self, evidence_id: int) -> bytes:
        """Return the original bytes of an evidence row, checking their SHA-256."""
        row = self.conn.execute(
            "SELECT body, compression, file_path, sha256 FROM evidence WHERE id = ?",
            (evidence_id,)).fetchone()
        if row is None:
            raise KeyError(f"no evidence {evidence_id}")
        body, compression, file_path, digest = row
        data = Path(file_path).read_bytes() if file_path else body
        if compression == "zlib":
            data = zlib.decompress(data)
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"evidence {evidence_id} does not match its SHA-256")
        return data
