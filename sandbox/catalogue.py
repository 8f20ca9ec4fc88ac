"""Generate the sandbox's one deterministic catalogue of sellers and listings from a seed."""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field

from sandbox import evasion, grammar

CATEGORIES = ("id_kit", "face_data", "photo_activation", "verification_bypass", "realname_account")
ZH_SITES = ("goofish", "taobao", "classifieds_zh")
EN_SITES = ("classifieds_en",)
HOSTILE_KINDS = ("script_title", "event_handler_title", "truncated_json", "huge_page",
                 "wrong_charset", "broken_html", "huge_image", "bomb_image")
# Newest listing's publish time (ms since epoch); older ones step back from it, so the
# catalogue never depends on the clock.
NEWEST_MS = 1788000000000
_LISTING_BASE = 1_070_000_000_000
_SELLER_BASE = 2_200_000_000_000
_SITE_CHANCE = {"goofish": 0.7, "taobao": 0.45, "classifieds_zh": 0.45}


@dataclass(slots=True)
class Seller:
    id: int
    enc_id: str
    nick: str
    lang: str
    area: str
    city: str
    illicit: bool
    contacts: list[dict]
    ring: str | None = None
    reg_days: int = 365
    listing_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Listing:
    id: int
    lang: str
    kind: str          # ordinary | hard_negative | illicit
    group: str         # grammar group, e.g. bedding, phone, id_kit
    category: str | None
    evasion: str
    title: str
    description: str
    price: str
    seller_id: int
    posted_ms: int = 0
    sites: tuple = ()
    contacts: list[dict] = field(default_factory=list)
    images: int = 1
    large_images: bool = False
    hostile: str | None = None
    want: int = 0
    browse: int = 0
    text: str = ""     # lowercased title + description, what search matches against

    @property
    def label(self) -> str:
        return "illicit" if self.kind == "illicit" else "benign"


@dataclass
class Catalogue:
    seed: int
    listings: list[Listing]          # newest first (descending id)
    by_id: dict[int, Listing]
    sellers: dict[int, Seller]

    def on_site(self, site: str) -> list[Listing]:
        """Return the listings a site shows, newest first."""
        return [item for item in self.listings if site in item.sites]


def _digest(*parts) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).digest()


def _handle(rng: random.Random, size: int = 6) -> str:
    return "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(size))


def _contacts(lang: str, illicit: bool, rng: random.Random) -> list[dict]:
    """Invent obviously fake contacts (demo_wx_…, 1380000xxxx, QQ 10000xxxx)."""
    phone = f"1380000{rng.randrange(10000):04d}" if lang == "zh" else f"+1-555-01{rng.randrange(100):02d}"
    found = [{"kind": "phone", "value": phone}]
    if illicit and lang == "zh":
        found += [{"kind": "wechat", "value": f"demo_wx_{_handle(rng)}"},
                  {"kind": "qq", "value": f"10000{rng.randrange(10000):04d}"}]
    elif illicit:
        tag = _handle(rng)
        found += [{"kind": "telegram", "value": f"@demo_tg_{tag}"},
                  {"kind": "email", "value": f"demo_{tag}@example.invalid"}]
    return found


def _make_sellers(lang: str, illicit: bool, count: int, rng: random.Random, seed: int,
                  start: int) -> list[Seller]:
    names = grammar.load("sellers")[lang]
    sellers = []
    for offset in range(count):
        sid = _SELLER_BASE + (start + offset) * 7919 + rng.randrange(7919)
        area, city = rng.choice(names["areas"])
        nick = f"{rng.choice(names['nick_prefix'])}{rng.choice(names['nick_core'])}_{start + offset:04d}"
        enc = base64.b64encode(_digest(seed, "seller", sid)).decode()
        sellers.append(Seller(sid, enc, nick, lang, area, city, illicit,
                              _contacts(lang, illicit, rng), reg_days=rng.randrange(3, 3000)))
    return sellers


def _form_rings(sellers: list[Seller], rng: random.Random) -> None:
    """Group about a third of the illicit sellers into rings that share one contact."""
    pool = sellers[: len(sellers) // 3]
    ring_no = 0
    while len(pool) >= 3:
        size = min(len(pool), rng.choice((3, 4, 5)))
        members, pool = pool[:size], pool[size:]
        ring_no += 1
        shared = members[0].contacts[1]  # the wechat / telegram handle
        for member in members:
            member.ring = f"ring-{members[0].lang}-{ring_no:02d}"
            member.contacts[1] = dict(shared)


def _specs(n: int, rng: random.Random) -> list[tuple]:
    """Return ``(lang, kind, category, evasion)`` for n listings; every illicit combination occurs."""
    grid = [(lang, "illicit", cat, lvl) for lang in ("zh", "en") for cat in CATEGORIES
            for lvl in evasion.LEVELS]
    specs = grid[:n]
    while len(specs) < n:
        lang = "en" if rng.random() < 0.15 else "zh"
        roll = rng.random()
        if roll < 0.25:
            specs.append((lang, "illicit", rng.choice(CATEGORIES), rng.choice(evasion.LEVELS)))
        else:
            specs.append((lang, "hard_negative" if roll < 0.45 else "ordinary", None, "none"))
    rng.shuffle(specs)
    return specs


def _seller_pools(specs: list[tuple], rng: random.Random, seed: int) -> dict[tuple, list[Seller]]:
    pools, start = {}, 1
    for lang in ("zh", "en"):
        for illicit in (True, False):
            wanted = sum(1 for s in specs if s[0] == lang and (s[1] == "illicit") == illicit)
            count = max(1, wanted // (4 if illicit else 3))
            pools[(lang, illicit)] = _make_sellers(lang, illicit, count, rng, seed, start)
            start += count
            if illicit:
                _form_rings(pools[(lang, illicit)], rng)
    return pools


def _grammar_name(lang: str, kind: str) -> str:
    return f"{lang}_{kind}"


def _make_listing(lid: int, spec: tuple, seller: Seller, rng: random.Random) -> Listing:
    lang, kind, category, level = spec
    name = _grammar_name(lang, kind)
    group = category or rng.choice(grammar.group_names(name))
    values = evasion.contact_values(seller.contacts)
    values["contact"] = evasion.contact_phrase(lang, level, values, rng)
    title, description, price = grammar.generate(name, group, rng, values)
    if kind == "illicit":
        title = evasion.cover_title(evasion.obscure(title, lang, level, rng), lang, level, rng)
        description = evasion.obscure(description, lang, level, rng)
    shown = [c for c in seller.contacts if _mentions(description, c["value"])]
    price_text = f"{price:.0f}" if price >= 100 else f"{price:.2f}".rstrip("0").rstrip(".")
    return Listing(lid, lang, kind, group, category, level, title, description, price_text,
                   seller.id, contacts=shown, images=rng.randint(1, 4),
                   large_images=rng.random() < 0.05, want=rng.randrange(60),
                   browse=rng.randrange(3, 3000))


def _mentions(text: str, value: str) -> bool:
    forms = (value, evasion.split(value), evasion.split(value, "."), evasion.circled(value))
    return any(form in text for form in forms)


def _sites(lang: str, rng: random.Random) -> tuple:
    if lang == "en":
        return EN_SITES
    chosen = tuple(site for site in ZH_SITES if rng.random() < _SITE_CHANCE[site])
    return chosen or (rng.choice(ZH_SITES),)


def _mark_hostile(listings: list[Listing]) -> None:
    """Give each hostile kind to one Chinese and one English listing (listed in the manifest)."""
    for lang, sites in (("zh", ZH_SITES), ("en", EN_SITES)):
        candidates = [item for item in listings if item.lang == lang][: len(HOSTILE_KINDS)]
        for item, kind in zip(candidates, HOSTILE_KINDS):
            item.hostile, item.sites = kind, sites
            if kind == "script_title":
                item.title += ' <script>alert("sandbox")</script>'
            elif kind == "event_handler_title":
                item.title = '<img src=x onerror="alert(1)">' + item.title


def build_catalogue(n: int = 3000, seed: int = 7) -> Catalogue:
    """Generate ``n`` listings (and their sellers) deterministically from ``seed``."""
    if n < 1:
        raise ValueError("the sandbox needs at least one listing")
    rng = random.Random(seed)
    specs = _specs(n, rng)
    pools = _seller_pools(specs, rng, seed)
    ids = sorted(rng.sample(range(10**10), n), reverse=True)
    listings = []
    for rank, (offset, spec) in enumerate(zip(ids, specs)):
        seller = rng.choice(pools[(spec[0], spec[1] == "illicit")])
        item = _make_listing(_LISTING_BASE + offset, spec, seller, rng)
        item.posted_ms = NEWEST_MS - rank * 617_000 - rng.randrange(600_000)
        item.sites = _sites(item.lang, rng)
        listings.append(item)
    # Spread hostile kinds over the catalogue rather than the newest page only.
    _mark_hostile(listings[len(listings) // 3:] + listings[: len(listings) // 3])
    sellers = {s.id: s for pool in pools.values() for s in pool}
    for item in listings:
        item.text = f"{item.title} {item.description}".lower()
        sellers[item.seller_id].listing_ids.append(item.id)
    return Catalogue(seed, listings, {item.id: item for item in listings}, sellers)
