"""Check an evidence bundle against its manifest: name every file altered, added or removed."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from findings.export.bundle import FORMAT, MANIFEST, MANIFEST_HASH

_HASH_LINE = re.compile(r"^([0-9a-f]{64})\s+\*?manifest\.json\s*$")


@dataclass
class Verdict:
    """What verification found; ``ok`` only when nothing is wrong."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """Member bytes, or None when the zip's own CRC says they were damaged."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None


def _check_manifest(archive: zipfile.ZipFile, names: set[str], verdict: Verdict) -> dict | None:
    if MANIFEST not in names:
        verdict.problems.append(f"removed: {MANIFEST} (the bundle has no manifest)")
        return None
    data = _read(archive, MANIFEST)
    if data is None:
        verdict.problems.append(f"altered: {MANIFEST} (damaged in the zip)")
        return None
    line = (_read(archive, MANIFEST_HASH) or b"").decode("utf-8", "replace").strip() if MANIFEST_HASH in names else None
    match = _HASH_LINE.match(line or "")
    if line is None:
        verdict.problems.append(f"removed: {MANIFEST_HASH}")
    elif not match:
        verdict.problems.append(f"altered: {MANIFEST_HASH} (not a SHA-256 line for {MANIFEST})")
    elif match.group(1) != hashlib.sha256(data).hexdigest():
        verdict.problems.append(f"altered: {MANIFEST} (its SHA-256 differs from {MANIFEST_HASH})")
    try:
        manifest = json.loads(data)
    except ValueError:
        verdict.problems.append(f"altered: {MANIFEST} (not valid JSON)")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        verdict.problems.append(f"altered: {MANIFEST} (not a {FORMAT} manifest)")
        return None
    return manifest


def verify_bundle(path: str | Path) -> Verdict:
    """Verify every file of the bundle at ``path`` against ``manifest.json``."""
    verdict = Verdict()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        verdict.problems.append(f"{path}: not a readable zip file ({exc})")
        return verdict
    with archive:
        all_names = archive.namelist()
        for name, count in Counter(all_names).items():
            if count > 1:
                verdict.problems.append(f"added: {name} (the zip holds {count} entries with this name)")
        names = set(all_names)
        manifest = _check_manifest(archive, names, verdict)
        verdict.manifest = manifest
        if manifest is None:
            return verdict
        listed = {}
        for entry in manifest["files"]:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                listed[entry["path"]] = entry
        for name in sorted(listed):
            entry = listed[name]
            if name not in names:
                verdict.problems.append(f"removed: {name}")
                continue
            data = _read(archive, name)
            verdict.checked += 1
            if data is None:
                verdict.problems.append(f"altered: {name} (damaged in the zip)")
            elif hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
                verdict.problems.append(f"altered: {name} (SHA-256 differs from the manifest)")
        for name in sorted(names - set(listed) - {MANIFEST, MANIFEST_HASH}):
            if not name.endswith("/"):
                verdict.problems.append(f"added: {name} (not in the manifest)")
    return verdict
