"""The sandbox catalogue: deterministic by seed, every category and evasion level, fake contacts."""

from __future__ import annotations

import re

import pytest

from sandbox import manifest
from sandbox.catalogue import CATEGORIES, HOSTILE_KINDS, build_catalogue
from sandbox.evasion import LEVELS
from sandbox.options import SandboxOptions
from sandbox.state import SandboxState


@pytest.fixture(scope="module")
def catalogue():
    return build_catalogue(1500, seed=11)


def test_same_seed_same_catalogue_other_seed_other_catalogue():
    first, again, other = build_catalogue(300, 5), build_catalogue(300, 5), build_catalogue(300, 6)
    assert [(i.id, i.title, i.description, i.price) for i in first.listings] == \
           [(i.id, i.title, i.description, i.price) for i in again.listings]
    assert [i.title for i in first.listings] != [i.title for i in other.listings]


def test_every_category_and_evasion_level_in_both_languages(catalogue):
    seen = {(i.lang, i.category, i.evasion) for i in catalogue.listings if i.kind == "illicit"}
    for lang in ("zh", "en"):
        for category in CATEGORIES:
            for level in LEVELS:
                assert (lang, category, level) in seen


def test_hard_negatives_share_the_trade_words(catalogue):
    negatives = [i for i in catalogue.listings if i.kind == "hard_negative" and i.lang == "zh"]
    groups = {i.group for i in negatives}
    assert {"bedding", "skincare", "face_lock", "id_photo", "memorial_photo"} <= groups
    assert any("四件套" in i.title for i in negatives if i.group == "bedding")
    assert any("活化" in i.text for i in negatives if i.group == "skincare")
    assert all(i.label == "benign" for i in negatives)


def test_evasion_hides_words_and_contacts(catalogue):
    heavy = [i for i in catalogue.listings if i.evasion == "heavy" and i.lang == "zh"]
    cover = set(manifest.grammar.load("evasion")["zh"]["cover_titles"])
    assert any(i.title in cover for i in heavy), "heavy evasion should use cover titles"
    assert any(re.search("[①②③④⑤⑥⑦⑧⑨⓪]", i.description) for i in heavy)
    light = [i for i in catalogue.listings if i.evasion == "light" and i.lang == "zh"]
    assert any(re.search("加V|威信|vx|扣扣|薇|\\+v", i.description) for i in light)


def test_contacts_are_obviously_fake_and_rings_share_one(catalogue):
    for seller in catalogue.sellers.values():
        for contact in seller.contacts:
            value = contact["value"]
            assert re.fullmatch(r"1380000\d{4}|\+1-555-01\d\d|demo_wx_\w+|10000\d{4}|@demo_tg_\w+|"
                                r"demo_\w+@example\.invalid", value), value
    rings = {}
    for seller in catalogue.sellers.values():
        if seller.ring:
            rings.setdefault(seller.ring, set()).add(seller.contacts[1]["value"])
    assert rings and all(len(handles) == 1 for handles in rings.values())
    assert all(sum(1 for s in catalogue.sellers.values() if s.ring == r) >= 3 for r in rings)


def test_illicit_listings_carry_their_contact_as_ground_truth(catalogue):
    illicit = [i for i in catalogue.listings if i.kind == "illicit"]
    with_contact = [i for i in illicit if i.contacts]
    assert len(with_contact) > 0.9 * len(illicit)


def test_hostile_listings_cover_every_kind(catalogue):
    kinds = {i.hostile for i in catalogue.listings if i.hostile}
    assert kinds == set(HOSTILE_KINDS)
    script = next(i for i in catalogue.listings if i.hostile == "script_title")
    assert "<script>" in script.title


def test_manifest_queries_return_exactly_what_the_semantics_say():
    state = SandboxState(SandboxOptions(listings=500, seed=3))
    data = manifest.build(state, "http://sandbox.test")
    for site, info in data["sites"].items():
        listed = set(info["listing_ids"])
        for query, ids in info["queries"].items():
            terms = query.lower().split()
            expected = [str(i.id) for i in state.catalogue.listings if site in i.sites
                        and all(t in f"{i.title} {i.description}".lower() for t in terms)]
            assert ids == expected, (site, query)
            assert set(ids) <= listed
        assert info["base_url"].startswith("http://sandbox.test/")
    assert set(data["sites"]) == {"goofish", "taobao", "classifieds_zh", "classifieds_en"}
    some = data["listings"][data["sites"]["goofish"]["listing_ids"][0]]
    assert {"label", "category", "evasion", "contacts", "sites"} <= set(some)
