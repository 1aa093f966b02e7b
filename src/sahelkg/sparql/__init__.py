"""SPARQL text and results below both the store and the web: protocol, safety scan, saved queries."""
