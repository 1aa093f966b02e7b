"""Provenance reports and exports (PROV-O, nanopublications)."""
