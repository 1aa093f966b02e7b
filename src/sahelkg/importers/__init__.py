"""Importers for external datasets: one module per format (acled, ucdp), shared code in common."""
