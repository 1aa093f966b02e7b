"""The project's files as RDF: loading with catalog records, dumps, JSON-LD, generated docs."""
