"""The `sahelkg` command: one registry of verbs."""
