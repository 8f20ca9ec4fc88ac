"""Run the classifier over stored listings and keep its verdicts and the contacts it found."""

from __future__ import annotations

import logging

from findings.records import ListingRecord
from findings.store import Store, UpsertResult

logger = logging.getLogger(__name__)


def load_classifier_or_none():
    """Return the default classifier, or None (with a warning) when no model is available."""
    try:
        from classifier.api import load_classifier
    except ImportError:
        logger.warning("classifier package not available: listings are stored unclassified")
        return None
    try:
        return load_classifier()
    except (FileNotFoundError, OSError) as exc:
        logger.warning("no classifier model (%s): run `facetrade train`; listings stored unclassified", exc)
        return None


def record_input(rec: ListingRecord) -> dict:
    """Build the classifier's input dict from a stored record."""
    return {"id": rec.listing_id, "title": rec.title, "description": rec.description or "",
            "price": rec.price_text or "", "platform": rec.platform,
            "seller": rec.seller_name or rec.seller_id or "", "location": rec.location or ""}


def classify_and_store(store: Store, pairs: list[tuple[int, dict]], classifier) -> tuple[int, int]:
    """Classify ``(listing_ref, classifier input)`` pairs; store verdicts and contacts.

    Returns
    -------
    (classified, flagged) : tuple of int
    """
    if not pairs or classifier is None:
        return 0, 0
    results = classifier.classify([inp for _, inp in pairs])
    store.save_classifications(
        [(ref, res) for (ref, _), res in zip(pairs, results)], model_version=classifier.version)
    store.link_contacts_many([(ref, res.get("contacts") or []) for (ref, _), res in zip(pairs, results)])
    return len(results), sum(1 for res in results if res["label"] == 1)


def ingest_classifier(classifier):
    """Return an ingest hook that classifies the new and changed listings of each batch."""
    def hook(store: Store, batch: list[ListingRecord], result: UpsertResult) -> tuple[int, int]:
        todo = set(result.new) | set(result.changed)
        pairs = []
        for rec in reversed(batch):  # the last copy of a repeated listing is the stored one
            ref = result.refs.get((rec.platform, rec.listing_id))
            if ref in todo:
                pairs.append((ref, record_input(rec)))
                todo.discard(ref)
        return classify_and_store(store, pairs, classifier)
    return hook
