"""STIX 2.1 bundles for threat-intelligence partners, built with the ``stix2`` library.

Per listing: a URL and the evidence files (SHA-256) as observed-data, an indicator on the
listing URL, and a note carrying the analyst's verdict; one report groups them. Every
object is marked with the chosen TLP level and created by the exporting organisation.
"""

from __future__ import annotations

from datetime import datetime, timezone

import stix2

from facetrade import __version__
from findings.records import utcnow

TLP = {"clear": stix2.TLP_WHITE, "white": stix2.TLP_WHITE, "green": stix2.TLP_GREEN,
       "amber": stix2.TLP_AMBER, "red": stix2.TLP_RED}


def _when(iso: str | None) -> datetime:
    text = (iso or utcnow()).replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _pattern_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _listing_objects(row: dict, common: dict) -> list:
    marks = {"object_marking_refs": common["object_marking_refs"]}
    url = stix2.URL(value=row["listing_url"] or f"urn:facetrade:{row['platform']}:{row['listing_id']}", **marks)
    files = [stix2.File(name=f"evidence-{e['id']}-{e['kind']}", hashes={"SHA-256": e["sha256"]}, size=e["size"],
                        **marks) for e in row["evidence"]]
    first, last = _when(row["first_seen_at"]), _when(row["last_seen_at"])
    observed = stix2.ObservedData(first_observed=first, last_observed=max(first, last), number_observed=1,
                                  object_refs=[url.id, *(f.id for f in files)], **common)
    indicator = stix2.Indicator(
        name=f"{row['platform']} listing {row['listing_id']}: {row['title']}"[:500],
        description=f"Marketplace listing selling face/identity data ({row.get('category') or 'uncategorised'}).",
        indicator_types=["malicious-activity"], pattern_type="stix",
        pattern=f"[url:value = '{_pattern_string(url.value)}']", valid_from=first, **common)
    verdict = (f"Confirmed violation by {row['confirmed_by']} at {row['confirmed_at']}: category "
               f"{row.get('category')}, reason {row.get('reason_code')}. Rules: {row.get('rule_reasons') or 'none'}."
               f" Evidence SHA-256: {row.get('evidence_sha256') or 'none'} captured {row.get('evidence_captured_at')}."
               f" Seller: {row.get('seller_name') or ''} ({row.get('seller_id') or 'unknown'})."
               f" Contacts: {row.get('contacts') or 'none'}.")
    note = stix2.Note(abstract="Analyst verdict", content=verdict, authors=[row["confirmed_by"]],
                      object_refs=[indicator.id, observed.id], **common)
    return [url, *files, observed, indicator, note]


def to_stix(report: dict, rows: list[dict], *, tlp: str = "amber", organisation: str = "facetrade") -> bytes:
    """A STIX 2.1 bundle (JSON bytes) for one report."""
    marking = TLP[tlp]
    identity = stix2.Identity(name=organisation, identity_class="organization",
                              description=f"Produced with facetrade {__version__}",
                              object_marking_refs=[marking])
    common = {"created_by_ref": identity.id, "object_marking_refs": [marking]}
    objects = []
    for row in rows:
        objects += _listing_objects(row, common)
    sdo_refs = [o.id for o in objects if o.type in ("observed-data", "indicator", "note")]
    stix_report = stix2.Report(
        name=f"facetrade takedown report {report['id']} ({report['platform']})",
        description=f"{len(rows)} listings confirmed as selling face or identity data.",
        report_types=["threat-report"], published=_when(utcnow()), object_refs=sdo_refs, **common)
    bundle = stix2.Bundle(identity, marking, *objects, stix_report)
    return bundle.serialize(pretty=True, ensure_ascii=False).encode("utf-8")
