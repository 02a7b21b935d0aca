#!/usr/bin/python3
"""Workload 1, ingest in pandas: ingest_pandas.py ORDERS OUT

Canonical order CSV to NDJSON: read_csv (every field a string, as the
file has it) and to_json(orient="records", lines=True).  Run with
Debian's /usr/bin/python3.
"""
import sys

import pandas as pd

df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
df.to_json(sys.argv[2], orient="records", lines=True, force_ascii=False)
