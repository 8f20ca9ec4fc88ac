"""Load and check site profiles (``crawler/sites/*.yml``): one file describes one marketplace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crawler.parsers.generic import SelectorSpecError, normalise_spec

SITES_DIR = Path(__file__).resolve().parent / "sites"
SPIDERS = ("goofish", "taobao", "generic")
_POLITE = {"download_delay": 1.0, "concurrency": 1, "obey_robots": True, "autothrottle": True}


class ProfileError(ValueError):
    """A site profile that is missing or malformed; the message names the file and key."""


@dataclass
class SiteProfile:
    name: str
    spider: str
    platform: str
    base_url: str
    search_url: str
    path: Path
    encoding: str | None = None
    politeness: dict = field(default_factory=dict)
    fetch_details: bool = True
    fetch_sellers: bool = False
    page_size: int | None = None
    queries: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def url(self, template_key: str, **values) -> str:
        """Fill one of the profile's URL templates (``{base_url}`` plus the given values)."""
        template = self.raw.get(template_key) if template_key != "search_url" else self.search_url
        if not template:
            raise ProfileError(f"{self.path.name}: no {template_key!r}")
        return template.format(base_url=self.base_url.rstrip("/"), **values)

    def url_template(self, template: str, **values) -> str:
        """Fill an arbitrary URL template of this profile."""
        return template.format(base_url=self.base_url.rstrip("/"), **values)

    def selector(self, section: str, key: str):
        """Return a normalised selector from ``section.key`` (None when absent)."""
        spec = (self.raw.get(section) or {}).get(key)
        return None if spec is None else normalise_spec(spec, f"{self.path.name}: {section}.{key}")

    def fields(self, section: str) -> dict:
        """Return every normalised field selector of ``section.fields``."""
        specs = (self.raw.get(section) or {}).get("fields") or {}
        return {name: normalise_spec(spec, f"{self.path.name}: {section}.fields.{name}")
                for name, spec in specs.items()}


def available_sites() -> list[str]:
    """Names of the bundled site profiles."""
    return sorted(p.stem for p in SITES_DIR.glob("*.yml"))


def load_profile(name_or_path: str, *, base_url: str | None = None) -> SiteProfile:
    """Load a profile by site name (``crawler/sites/NAME.yml``) or by file path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SITES_DIR / f"{name_or_path}.yml"
    if not path.is_file():
        raise ProfileError(f"unknown site {name_or_path!r}; known sites: {', '.join(available_sites())}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ProfileError(f"{path.name}: must be a mapping")
    return _build(raw, path, base_url)


def _build(raw: dict, path: Path, base_url: str | None) -> SiteProfile:
    for key in ("spider", "platform", "base_url", "search_url"):
        if not raw.get(key):
            raise ProfileError(f"{path.name}: missing {key!r}")
    if raw["spider"] not in SPIDERS:
        raise ProfileError(f"{path.name}: spider must be one of {', '.join(SPIDERS)}")
    politeness = {**_POLITE, **(raw.get("politeness") or {})}
    profile = SiteProfile(
        name=path.stem, spider=raw["spider"], platform=str(raw["platform"]).lower(),
        base_url=(base_url or raw["base_url"]).rstrip("/"), search_url=raw["search_url"],
        path=path, encoding=raw.get("encoding"), politeness=politeness,
        fetch_details=bool(raw.get("fetch_details", True)),
        fetch_sellers=bool(raw.get("fetch_sellers", False)),
        page_size=raw.get("page_size"), queries=list(raw.get("queries") or []), raw=raw)
    if profile.spider == "generic":
        try:
            if profile.selector("list", "items") is None:
                raise ProfileError(f"{path.name}: generic profiles need list.items")
            profile.fields("list")
            profile.fields("detail")
            profile.selector("list", "next_page")
        except SelectorSpecError as exc:
            raise ProfileError(str(exc)) from None
    return profile
