"""Classify stored listings and keep the scores and the contacts the classifier found."""

from __future__ import annotations

import logging

from findings.classify import load_classifier_or_none, record_input

from crawler.items import ListingItem
from crawler.pipelines import run_of

logger = logging.getLogger(__name__)
CONTACT_KINDS = {"wechat", "qq", "phone", "telegram", "email", "netdisk", "url"}


def load_classifier():
    """Return (classifier, model_version), or (None, why) when none is available yet."""
    try:
        clf = load_classifier_or_none()  # lazy: heavy, and may not be trained yet
    except Exception as exc:  # a broken model must not lose the crawl
        return None, f"classifier could not be loaded ({exc}); listings stored unclassified"
    if clf is None:
        return None, "classifier not available yet; listings stored unclassified"
    return clf, str(getattr(clf, "version", None) or getattr(clf, "model_version", None) or "unknown")


class ClassifyPipeline:
    def __init__(self, run=None, classifier=None, model_version: str | None = None):
        self.run = run
        self.classifier, self.model_version = classifier, model_version
        if run is not None:
            if classifier is None:
                self.classifier, self.model_version = load_classifier()
                if self.classifier is None:
                    run.note(self.model_version)
            run.add_step(self.flush)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler))

    def process_item(self, item):
        return item

    def flush(self, batch) -> None:
        """Classify the batch's stored listings (inside the batch transaction)."""
        items = [i for i in batch.listings if isinstance(i, ListingItem) and i.listing_ref]
        if self.classifier is None or not items:
            return
        try:
            results = list(self.classifier.classify([record_input(i.record) for i in items]))
        except Exception as exc:  # keep the stored listings; they can be classified later
            self.run.error("classifier failed on a batch of %s listings: %s", len(items), exc)
            return
        pairs, contacts = [], []
        for item, result in zip(items, results):
            item.result = result
            pairs.append((item.listing_ref, result))
            found = [c for c in result.get("contacts") or [] if c.get("kind") in CONTACT_KINDS and c.get("value")]
            if found:
                contacts.append((item.listing_ref, found))
        self.run.store.save_classifications(pairs, model_version=self.model_version, at=batch.seen_at)
        if contacts:
            self.run.store.link_contacts_many(contacts, seen_at=batch.seen_at)
        self.run.counters.listings_flagged += sum(1 for _, r in pairs if int(r.get("label", 0)) == 1)
