"""Regenerate warehouse/dictionary/{staging,core,marts}.yml from a built warehouse, and the
indicators (docs/indicators.md) from config/indicators.toml.

python scripts/write_dictionary.py data/warehouse/current.duckdb
"""

from __future__ import annotations

import sys

import duckdb

from warehouse import dictionary

if __name__ == "__main__":
    con = duckdb.connect(sys.argv[1], read_only=True)
    for path in [*dictionary.write(con), *dictionary.write_indicators()]:
        print(f"wrote {path}")
