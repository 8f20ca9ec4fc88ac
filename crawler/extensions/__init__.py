"""Scrapy extensions of the facetrade crawler."""
