"""Links to other graphs: the Wikidata/GeoNames crosswalk and its reconciliation."""
