"""Evidence bundles: raw captures, their WARC records and screenshots in a zip with a hashed manifest.

``manifest.json`` lists every file with its SHA-256, size and capture metadata;
``manifest.sha256`` holds the SHA-256 of ``manifest.json`` itself (sha256sum format), so
a changed manifest is caught too. See :mod:`findings.export.verify`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zipfile
from pathlib import Path

import sqlite_utils

from facetrade import __version__
from findings.export import reports as reports_lib
from findings.export.actor import ExportError, require
from findings.export.rows import evidence_rows
from findings.records import utcnow
from findings.store import Store
from findings.web import auditlog
from findings.web.itemdata import fetch_one
from findings.web.txn import immediate

logger = logging.getLogger(__name__)
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
FORMAT = "facetrade-evidence-bundle/1"
_EXT = {"text/html": ".html", "application/json": ".json", "image/png": ".png", "image/jpeg": ".jpg",
        "image/webp": ".webp", "image/gif": ".gif", "text/plain": ".txt", "application/pdf": ".pdf"}
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def resolve_subjects(conn, subjects: list[str]) -> list[int]:
    """Listing row ids for ``report:ID``, ``PLATFORM:LISTING_ID`` or ``listing:ROWID`` arguments."""
    refs: list[int] = []
    for subject in subjects:
        kind, sep, value = subject.partition(":")
        if not sep or not value:
            raise ExportError(f"{subject!r}: name a report (report:12) or a listing (PLATFORM:LISTING_ID)")
        if kind == "report":
            if not value.isdigit():
                raise ExportError(f"{subject!r}: a report id is a number")
            reports_lib.get_report(conn, int(value))
            found = reports_lib.listing_refs(conn, int(value))
        elif kind == "listing":
            row = conn.execute("SELECT id FROM listings WHERE id = ?", (value,)).fetchone() if value.isdigit() else None
            found = [row[0]] if row else []
        else:
            row = conn.execute("SELECT id FROM listings WHERE platform = ? AND listing_id = ?", (kind, value)).fetchone()
            found = [row[0]] if row else []
        if not found:
            raise ExportError(f"{subject!r}: no such listing or empty report")
        refs += [r for r in found if r not in refs]
    return refs


def _ext(content_type: str | None) -> str:
    return _EXT.get((content_type or "").split(";")[0].strip().lower(), ".bin")


def warc_record_bytes(warc_path: str | None, record_id: str | None) -> bytes | None:
    """The exact (gzip member) bytes of one record of a WARC file, or None when absent."""
    if not warc_path or not record_id or not Path(warc_path).is_file():
        return None
    from warcio.archiveiterator import ArchiveIterator

    with open(warc_path, "rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                record.content_stream().read()  # walk to the end so the length is known
                records.read_to_end(record)
                offset, length = records.get_record_offset(), records.get_record_length()
                with open(warc_path, "rb") as raw:
                    raw.seek(offset)
                    return raw.read(length)
    return None


def _listing_meta(conn, ref: int) -> dict:
    return fetch_one(conn, "SELECT l.id AS ref, l.platform, l.listing_id, l.url, l.first_seen_at, l.last_seen_at,"
                     " l.status FROM listings l WHERE l.id = ?", (ref,))


def _entries(store: Store, ref: int, folder: str):
    """Yield ``(path, bytes, metadata)`` for every evidence file of one listing."""
    for row in evidence_rows(store.conn, ref):
        try:
            body = store.evidence_bytes(row["id"])
        except (OSError, ValueError, KeyError) as exc:
            raise ExportError(f"evidence {row['id']} of listing {ref} cannot be read intact: {exc}") from exc
        meta = {k: row[k] for k in ("kind", "url", "captured_at", "http_status", "content_type", "warc_record_id")}
        meta.update(evidence_id=row["id"], recorded_sha256=row["sha256"])
        yield f"{folder}/evidence-{row['id']}-{_SAFE.sub('_', row['kind'])}{_ext(row['content_type'])}", body, meta
        warc = warc_record_bytes(row["warc_path"], row["warc_record_id"])
        if warc is not None:
            yield f"{folder}/evidence-{row['id']}.warc.gz", warc, {**meta, "kind": "warc_record"}


def build_bundle(db: sqlite_utils.Database, user: dict, subjects: list[str], out: str | Path) -> dict:
    """Write the evidence bundle zip for ``subjects``; return its manifest. Needs the lead role."""
    require(user, "lead", "an evidence bundle (raw captures hold unmasked personal data)")
    store = Store(db)
    refs = resolve_subjects(db.conn, subjects)
    files, listings = [], []
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for ref in refs:
            meta = _listing_meta(db.conn, ref)
            folder = f"listings/{_SAFE.sub('_', meta['platform'])}-{_SAFE.sub('_', meta['listing_id'])}"
            listings.append({**meta, "folder": folder})
            for path, body, info in _entries(store, ref, folder):
                archive.writestr(path, body)
                files.append({"path": path, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body),
                              "listing_ref": ref, **info})
        manifest = {"format": FORMAT, "tool": "facetrade", "tool_version": __version__, "created_at": utcnow(),
                    "created_by": user["name"], "subjects": subjects, "listings": listings, "files": files}
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        archive.writestr(MANIFEST, data)
        archive.writestr(MANIFEST_HASH, f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}\n")
    tmp.replace(out)
    with immediate(db.conn):
        auditlog.record(db.conn, user, "evidence_bundle", target_kind="bundle", target_id=out.name,
                        detail={"subjects": subjects, "files": len(files),
                                "manifest_sha256": hashlib.sha256(data).hexdigest()})
    return manifest
