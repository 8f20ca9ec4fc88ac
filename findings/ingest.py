"""Stream listings from JSONL or CSV exports into the findings database in batches.

Reading is line by line in binary, so a 1 GB file needs no more memory than one batch,
and a row that cannot be read (broken JSON, bytes that are not UTF-8, a missing id, an
oversized field) is reported with its file and line number while the rest still lands.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from findings.records import MAX_FIELD_CHARS, ListingRecord, RecordError, record_from_dict
from findings.store import Store, UpsertResult

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
INDEX_EVERY = 50_000
# A line longer than this cannot be a listing; reading it whole would cost its size in memory.
MAX_LINE_BYTES = 4 * MAX_FIELD_CHARS + 65_536


@dataclass
class RowError:
    """A row that was not ingested: where it is and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class IngestReport:
    """Totals of one ingest run."""

    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    classified: int = 0
    flagged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def rejected(self) -> int:
        return self.error_count


Classify = Callable[[Store, list[ListingRecord], UpsertResult], tuple[int, int]]


def read_rows(path: str | os.PathLike, *, fmt: str | None = None) -> Iterator[tuple[int, dict | RowError]]:
    """Yield ``(line_number, row dict or RowError)`` from a JSONL or CSV file."""
    path = Path(path)
    fmt = fmt or _guess_format(path)
    if fmt == "jsonl":
        yield from _read_jsonl(path)
    elif fmt == "csv":
        yield from _read_csv(path)
    else:
        raise ValueError(f"{path}: unknown format {fmt!r} (use jsonl or csv)")


def _guess_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if ".csv" in suffixes or ".tsv" in suffixes:
        return "csv"
    return "jsonl"


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict | RowError]]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(_bounded_lines(handle), start=1):
            if raw is None:
                yield number, RowError(str(path), number, f"line longer than {MAX_LINE_BYTES:,} bytes")
                continue
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, RowError(str(path), number,
                                       f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, RowError(str(path), number, f"broken JSON: {exc.msg} at column {exc.colno}")
                continue
            yield number, row


def _bounded_lines(handle) -> Iterator[bytes | None]:
    """Yield lines, or None for a line too long to hold, skipping the rest of it."""
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _read_csv(path: Path) -> Iterator[tuple[int, dict | RowError]]:
    csv.field_size_limit(MAX_LINE_BYTES)
    with open(path, "rb") as raw_handle:
        text = io.TextIOWrapper(raw_handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.DictReader(text, delimiter=delimiter)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, RowError(str(path), start, f"unreadable CSV: {exc}")
                continue
            bad = next((k for k, v in row.items() if _has_surrogates(k) or _has_surrogates(v)), None)
            if bad is not None:
                yield start, RowError(str(path), start, f"not UTF-8 in column {_safe(bad)!r}")
                continue
            if None in row:
                yield start, RowError(str(path), start, "more fields than the header has columns")
                continue
            yield start, row


def _has_surrogates(value) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return any(_has_surrogates(v) for v in value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _safe(value) -> str:
    return str(value).encode("utf-8", "replace").decode("utf-8")[:40]


def ingest_files(store: Store, paths: list[str | os.PathLike], *, platform: str | None = None,
                 fmt: str | None = None, classify: Classify | None = None,
                 on_error: Callable[[RowError], None] | None = None,
                 progress: Callable[[int], None] | None = None, batch_size: int = BATCH_SIZE) -> IngestReport:
    """Ingest listing files into the store; return totals and the rejected rows.

    New listings reach the full-text index in bulk every ``INDEX_EVERY`` rows and at the
    end of each file, which costs half of indexing each batch (see Store.sync_fulltext).
    """
    report = IngestReport()
    for path in paths:
        source, batch, since_index = f"ingest:{Path(path).name}", [], 0
        for number, row in read_rows(path, fmt=fmt):
            record = _to_record(path, number, row, platform, report, on_error)
            if record is not None:
                batch.append(record)
            if len(batch) >= batch_size:
                since_index += _flush(store, batch, source, classify, report, progress)
                batch = []
                if since_index >= INDEX_EVERY:
                    store.sync_fulltext()
                    since_index = 0
        _flush(store, batch, source, classify, report, progress)
        store.sync_fulltext()
    return report


def _to_record(path, number: int, row, platform, report: IngestReport, on_error) -> ListingRecord | None:
    if isinstance(row, RowError):
        error = row
    else:
        try:
            return record_from_dict(row, default_platform=platform)
        except RecordError as exc:
            error = RowError(str(path), number, str(exc))
    report.error_count += 1
    if len(report.errors) < 1000:  # keep memory bounded on a file that is all garbage
        report.errors.append(error)
    if on_error:
        on_error(error)
    return None


def _flush(store: Store, batch: list[ListingRecord], source: str, classify: Classify | None,
           report: IngestReport, progress) -> None:
    if not batch:
        return 0
    report.rows += len(batch)
    result = store.upsert_listings(batch, source=source, index=False)
    report.new += len(result.new)
    report.changed += len(result.changed)
    report.unchanged += result.unchanged
    if classify is not None:
        classified, flagged = classify(store, batch, result)
        report.classified += classified
        report.flagged += flagged
    if progress:
        progress(len(batch))
    return len(batch)
