"""The write gate: every change is validated by the SHACL shapes in context, then applied atomically."""
