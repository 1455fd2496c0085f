"""The boards' only way to the data: named read-only queries over the published warehouse.

Each query is a `.sql` file in `warehouse/read/queries/`, with DuckDB named parameters (`$year`);
values are always bound, never formatted into the SQL. The connection follows the published
snapshot: when a new run is published, the next query opens the new file (read-only).

Access is enforced here, for every query, on behalf of the principal of the current request
(`access.policy.current()`; none set means refused):
- a query must be declared in config/secrecy.toml (deny by default);
- a 3C user is held to its own 3C: the `$c3` parameter is forced, rows of `column`-scoped queries
  are filtered, and network-wide queries return no rows;
- row-level queries return no rows to roles without row-level rights;
- for roles without nominative rights, small counts are masked (statistical secrecy).
"""

from __future__ import annotations

import re
import threading
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from access.policy import current
from warehouse.publish import Warehouse
from warehouse.read import secrecy

QUERIES = Path(__file__).parent / "queries"


@cache
def query_text(name: str) -> tuple[str, frozenset[str]]:
    """A query's SQL and the named parameters it uses, read once per process."""
    sql = (QUERIES / f"{name}.sql").read_text(encoding="utf-8")
    return sql, frozenset(re.findall(r"\$([A-Za-z_]\w*)", sql))


class Reader:
    def __init__(self, warehouse_dir: Path) -> None:
        self.warehouse = Warehouse(warehouse_dir)
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    @cached_property
    def secrecy(self) -> secrecy.SecrecyConfig:
        return secrecy.load_secrecy()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        current_path = self.warehouse.current()
        with self._lock:
            if self._con is None or current_path != self._path:
                # the previous snapshot's connection is not closed here: other threads may have
                # queries in flight on it; it closes when its last cursor is gone
                self._con = self.warehouse.connect()
                self._path = current_path
            return self._con.cursor()  # one cursor per call: safe across threads

    def query(self, name: str, **params: Any) -> pl.DataFrame:
        """The rows of query `name` that the current principal may see."""
        return self.query_masked(name, **params)[0]

    def query_masked(self, name: str, **params: Any) -> tuple[pl.DataFrame, set[tuple[int, str]]]:
        """`query`, with the (row, column) cells that statistical secrecy masked."""
        principal = current()
        rules = self.secrecy.rules(name)
        withheld = (rules.row_level and not principal.role.row_level) or (
            principal.c3_id is not None and rules.scope == "network"
        )
        if principal.c3_id is not None and rules.scope == "c3":
            params = {**params, "c3": principal.c3_id}
        frame = self.raw(name, empty=withheld, **params)
        if principal.c3_id is not None and rules.scope == "column" and rules.scope_column:
            frame = frame.filter(pl.col(rules.scope_column) == principal.c3_id)
        if principal.secrecy:
            return secrecy.apply_masked(frame, rules, self.secrecy.threshold)
        return frame, set()

    def raw(self, name: str, empty: bool = False, **params: Any) -> pl.DataFrame:
        """The query's rows with no access rule applied: for checks and benchmarks only."""
        sql, names = query_text(name)
        if empty:
            sql = f"select * from ({sql}) limit 0"
        used = {k: v for k, v in params.items() if k in names}
        cursor = self._connection()
        try:
            return cursor.execute(sql, used).pl()
        finally:
            cursor.close()

    def snapshot(self) -> str:
        current_path = self.warehouse.current()
        return current_path.stem if current_path else ""
