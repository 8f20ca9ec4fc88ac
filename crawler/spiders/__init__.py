"""One spider per kind of marketplace; each is configured by a site profile."""
