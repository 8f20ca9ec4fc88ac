"""The findings database opens in Datasette unchanged, with working canned queries."""

from __future__ import annotations

import asyncio

import yaml
from datasette.app import Datasette

from conftest import ROOT
from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store

METADATA = ROOT / "findings" / "datasette.yml"


def build(db_path):
    store = Store(open_db(db_path))
    result = store.upsert_listings([
        record_from_dict({"platform": "xianyu", "id": "d1", "title": "出售人脸四件套 懂的来", "seller_id": "s1"}),
        record_from_dict({"platform": "xianyu", "id": "d2", "title": "同城 人脸 四件套", "seller_id": "s2"}),
        record_from_dict({"platform": "xianyu", "id": "d3", "title": "全棉四件套 床品", "seller_id": "s3"}),
    ])
    refs = result.refs
    store.save_classifications([(refs[("xianyu", "d1")], {"score": 0.97, "label": 1, "category": "id_kit"}),
                                (refs[("xianyu", "d3")], {"score": 0.04, "label": 0, "category": None})],
                               model_version="test")
    for key in ("d1", "d2"):
        store.link_contacts(refs[("xianyu", key)], [{"kind": "wechat", "value": "demo_wx_001"}])
    store.db.conn.close()


def query(db_path, name, **params):
    async def go():
        ds = Datasette([str(db_path)], metadata=yaml.safe_load(METADATA.read_text()))
        response = await ds.client.get(f"/facetrade/{name}.json", params={"_shape": "array", **params})
        assert response.status_code == 200, response.text
        return response.json()
    return asyncio.run(go())


def test_canned_queries_answer(tmp_path):
    db_path = tmp_path / "facetrade.db"
    build(db_path)
    flagged = query(db_path, "flagged", platform="")
    assert [row["listing_id"] for row in flagged] == ["d1"]
    shared = query(db_path, "shared_contacts")
    assert shared == [{"kind": "wechat", "value": "demo_wx_001", "sellers": 2, "listings": 2, "platforms": "xianyu"}]
    found = query(db_path, "search", q="四件套")
    assert {row["listing_id"] for row in found} == {"d1", "d2", "d3"}


def test_tables_browse_in_datasette(tmp_path):
    db_path = tmp_path / "facetrade.db"
    build(db_path)
    rows = query(db_path, "listings")
    assert len(rows) == 3
