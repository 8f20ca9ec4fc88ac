"""facetrade: find marketplace listings that sell people's face and identity data."""

__version__ = "0.1.0"
