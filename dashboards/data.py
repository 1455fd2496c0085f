"""The boards' only way to the data: named read-only queries over the published warehouse.

Each query is a `.sql` file in `dashboards/queries/`, with DuckDB named parameters (`$year`);
values are always bound, never formatted into the SQL. The connection follows the published
snapshot: when a new run is published, the next query opens the new file (read-only).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.publish import Warehouse

QUERIES = Path(__file__).parent / "queries"


class Reader:
    def __init__(self, warehouse_dir: Path) -> None:
        self.warehouse = Warehouse(warehouse_dir)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def _connection(self) -> duckdb.DuckDBPyConnection:
        current = self.warehouse.current()
        with self._lock:
            if self._con is None or current != self._path:
                if self._con is not None:
                    self._con.close()
                self._con = self.warehouse.connect()
                self._path = current
            return self._con.cursor()  # one cursor per call: safe across threads

    def query(self, name: str, **params: Any) -> pl.DataFrame:
        sql = (QUERIES / f"{name}.sql").read_text(encoding="utf-8")
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        cursor = self._connection()
        try:
            return cursor.execute(sql, used).pl()
        finally:
            cursor.close()

    def snapshot(self) -> str:
        current = self.warehouse.current()
        return current.stem if current else ""
