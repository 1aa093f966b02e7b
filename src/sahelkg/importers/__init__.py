"""Importers for external datasets: one module per format (acled, ucdp); what they share is
`common` (plan, gate and write an import), `rows` (the CSV file and its cells), `names` (actors
and places), `dataset_actors` (data/dataset-actors.csv), `quads` (encoded terms), `describe`
(import graph, records, events, claims), `report` (errors, report, rejects file)."""
