"""The store never duplicates a listing and keeps every change as a version."""

from __future__ import annotations

import hashlib

import pytest

from findings.db import open_db
from findings.records import RecordError, parse_price, record_from_dict
from findings.store import Store


def rec(listing_id="a1", **overrides):
    raw = {"platform": "xianyu", "id": listing_id, "title": f"出售人脸四件套 {listing_id}",
           "description": "懂的来", "price": "0.5元/套", "seller_id": "demo_seller_01",
           "seller_name": "资料小铺"}
    raw.update(overrides)
    return record_from_dict(raw)


@pytest.fixture
def store(db_path):
    return Store(open_db(db_path))


def test_same_listing_twice_is_one_row_with_moved_last_seen(store):
    store.upsert_listings([rec()], seen_at="2026-11-01T00:00:00Z")
    result = store.upsert_listings([rec()], seen_at="2026-11-02T00:00:00Z")
    row = store.db.execute("SELECT count(*), min(first_seen_at), max(last_seen_at) FROM listings").fetchone()
    assert row == (1, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
    assert result.unchanged == 1 and not result.new and not result.changed
    assert store.db["listing_versions"].count == 0


def test_price_change_adds_exactly_one_version_holding_the_old_price(store):
    store.upsert_listings([rec()], seen_at="2026-11-01T00:00:00Z")
    result = store.upsert_listings([rec(price="0.3元/套")], seen_at="2026-11-03T00:00:00Z")
    assert len(result.changed) == 1
    versions = list(store.db["listing_versions"].rows)
    assert len(versions) == 1
    assert versions[0]["price_cents"] == 50 and versions[0]["changed_fields"] == "price"
    assert (versions[0]["valid_from"], versions[0]["valid_to"]) == ("2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z")
    listing = next(store.db["listings"].rows)
    assert listing["price_cents"] == 30
    # Seeing the new state again adds nothing more.
    store.upsert_listings([rec(price="0.3元/套")], seen_at="2026-11-04T00:00:00Z")
    assert store.db["listing_versions"].count == 1


def test_repeats_inside_one_batch_keep_the_last(store):
    result = store.upsert_listings([rec(title="first"), rec(title="second")])
    assert len(result.new) == 1
    assert next(store.db["listings"].rows)["title"] == "second"


def test_same_id_on_two_platforms_is_two_listings(store):
    store.upsert_listings([rec(), rec(platform="taobao")])
    assert store.db["listings"].count == 2
    assert store.db["sellers"].count == 2


def test_seller_is_shared_by_its_listings(store):
    store.upsert_listings([rec("a1"), rec("a2")])
    refs = {row["seller_ref"] for row in store.db["listings"].rows}
    assert len(refs) == 1 and store.db["sellers"].count == 1


def test_removed_listing_comes_back_active_when_seen_again(store):
    store.upsert_listings([rec()])
    assert store.mark_removed("xianyu", ["a1"]) == 1
    assert next(store.db["listings"].rows)["status"] == "removed"
    store.upsert_listings([rec()])
    row = next(store.db["listings"].rows)
    assert row["status"] == "active" and row["removed_at"] is None


def test_evidence_round_trips_with_sha256_inline_and_as_file(store, tmp_path):
    small = "<html>人脸四件套</html>".encode()
    big = b"x" * 3_000_000
    small_id = store.add_evidence(url="http://127.0.0.1/a", body=small, http_status=200)
    big_id = store.add_evidence(url="http://127.0.0.1/b", body=big, http_status=200)
    assert store.evidence_bytes(small_id) == small
    assert store.evidence_bytes(big_id) == big
    row = store.db["evidence"].get(big_id)
    assert row["sha256"] == hashlib.sha256(big).hexdigest() and row["body"] is None
    # Tampering with the stored bytes is caught.
    store.db.execute("UPDATE evidence SET body = ? WHERE id = ?", [__import__("zlib").compress(b"tampered"), small_id])
    with pytest.raises(ValueError, match="SHA-256"):
        store.evidence_bytes(small_id)


def test_contacts_are_unique_and_linked(store):
    result = store.upsert_listings([rec("a1"), rec("a2")])
    for ref in result.refs.values():
        store.link_contacts(ref, [{"kind": "wechat", "value": "demo_wx_001", "raw": "威信 demo_wx_001"}])
    assert store.db["contacts"].count == 1
    assert store.db["listing_contacts"].count == 2


def test_crawl_run_lifecycle(store):
    run = store.start_run(site="goofish", query="四件套")
    store.finish_run(run, status="blocked", blocked_reason="RGV587_ERROR", pages=3)
    row = store.db["crawl_runs"].get(run)
    assert row["status"] == "blocked" and row["finished_at"] and row["pages"] == 3
    with pytest.raises(ValueError):
        store.update_run(run, nonsense=1)


def test_schema_rejects_bad_status(store):
    store.upsert_listings([rec()])
    with pytest.raises(Exception):
        store.db.execute("UPDATE listings SET status = 'gone'")


def test_foreign_keys_and_wal_are_on(store):
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("raw,expected", [
    ("¥12.50", (1250, "CNY")), ("0.5元/套", (50, "CNY")), ("1.2万", (1_200_000, None)),
    ("$1,299.00", (129_900, "USD")), (88, (8800, None)), ("面议", (None, None)), ("", (None, None)),
])
def test_parse_price(raw, expected):
    assert parse_price(raw) == expected


@pytest.mark.parametrize("raw,message", [
    ({"platform": "x", "title": "t"}, "missing 'id'"),
    ({"platform": "x", "id": "1"}, "missing 'title'"),
    ({"platform": "x", "id": "1", "title": "t" * 1_000_001}, "'title' is 1,000,001 characters"),
    ({"platform": "x", "id": "1", "title": {"a": 1}}, "'title' must be text"),
])
def test_bad_records_name_the_field(raw, message):
    with pytest.raises(RecordError, match=message):
        record_from_dict(raw)
