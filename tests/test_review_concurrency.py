"""Concurrency: analysts claiming at once never share an item; a crawl writing meanwhile breaks nothing."""

from __future__ import annotations

import threading
from collections import Counter

from starlette.testclient import TestClient

from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store
from findings.web import demo, review, sync, users
from findings.web.app import create_app

ANALYSTS = 6


def test_analysts_claiming_at_once_never_get_the_same_item(tmp_path):
    path = tmp_path / "review.db"
    db = open_db(path)
    for batch in range(12):
        demo.seed(db, prefix=f"b{batch}-")
    for i in range(ANALYSTS):
        users.add_user(db, f"demo_hammer_{i}", demo.PASSWORD, "analyst")
    sync.sync_queue(db, 0.5)
    total = db.execute("SELECT count(*) FROM review_items WHERE status = 'open'").fetchone()[0]
    claimed: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(ANALYSTS)

    def analyst(i: int) -> None:
        conn = open_db(path, migrate=False)  # one connection per analyst, as per request thread
        me = users.get_user(conn, name=f"demo_hammer_{i}")
        try:
            start.wait()
            while (ref := review.claim_next(conn, me)) is not None:
                claimed.append((me["name"], ref))
                review.decide(conn, me, ref, "not_violation", "other_benign")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=analyst, args=(i,)) for i in range(ANALYSTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    counts = Counter(ref for _, ref in claimed)
    assert len(counts) == total and max(counts.values()) == 1
    assert len({name for name, _ in claimed}) > 1  # the work really was shared
    per_listing = db.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM review_decisions GROUP BY listing_ref)")
    assert per_listing.fetchone()[0] == 1


def test_a_crawl_writing_while_analysts_review_causes_no_errors(tmp_path):
    path = tmp_path / "review.db"
    db = open_db(path)
    demo.seed(db)
    demo.add_users(db)
    app = create_app(str(path), secret="c" * 40, sync_interval=0)  # sync on every queue page
    stop = threading.Event()
    problems: list[str] = []

    def crawl() -> None:
        store = Store(open_db(path, migrate=False))
        n = 0
        while not stop.is_set() and n < 3000:
            records = [record_from_dict({"platform": "crawl", "id": f"c{n + i}", "title": f"四件套 crawl demo {n + i}",
                                         "seller_id": f"demo_crawl_seller_{(n + i) % 17}"}) for i in range(50)]
            store.upsert_listings(records)
            rows = store.db.execute("SELECT id FROM listings WHERE platform = 'crawl' AND listing_id IN (%s)"
                                    % ",".join("?" * 50), [r.listing_id for r in records]).fetchall()
            store.save_classifications([(ref, {"score": 0.8, "label": 1, "category": "id_kit"}) for (ref,) in rows],
                                       model_version="demo-crawl")
            n += 50

    def analyst(name: str) -> None:
        client = TestClient(app)
        token = demo.login(client, name)
        for _ in range(15):
            for response in (client.get("/queue"), client.post("/review/next", data={"csrf_token": token})):
                if response.status_code != 200:
                    problems.append(f"{name}: {response.request.url} -> {response.status_code}")
            ref = str(response.url).rsplit("/", 1)[-1]
            if ref.isdigit():
                decided = client.post(f"/items/{ref}/decide", data={
                    "csrf_token": token, "action": "violation", "category": "id_kit",
                    "reason_code": "sells_id_documents"})
                if decided.status_code != 200:
                    problems.append(f"{name}: decide {ref} -> {decided.status_code}")

    writer = threading.Thread(target=crawl)
    readers = [threading.Thread(target=analyst, args=(n,)) for n in ("demo_analyst", "demo_analyst2", "demo_lead")]
    writer.start()
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(timeout=300)
    stop.set()
    writer.join(timeout=120)
    assert not problems, problems[:5]
    check = open_db(path)
    assert check.execute("SELECT count(*) FROM listings WHERE platform = 'crawl'").fetchone()[0] > 0
    assert check.execute("SELECT count(*) FROM review_decisions").fetchone()[0] >= 30
    sync.sync_queue(check, 0.5)
    assert check.execute("SELECT count(*) FROM review_items WHERE platform = 'crawl'").fetchone()[0] > 0
