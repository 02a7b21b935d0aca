-- Workload 1, ingest: canonical order CSV to NDJSON.  DuckDB's
-- read_csv sniffs the types (ts as TIMESTAMPTZ, amount as DOUBLE) and
-- COPY ... (FORMAT json) writes one object a line.
COPY (SELECT * FROM read_csv('{{orders}}', header = true))
  TO '{{out}}' (FORMAT json)
;
