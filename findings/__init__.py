"""The findings database: listings, evidence, classifications, reviews and exports."""
