"""Takedown reports, evidence bundles and takedown verification over the findings database."""
