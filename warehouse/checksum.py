"""Content checksums of warehouse tables: the same rows give the same figures, whatever their
order or the run that built them (load ids and timestamps are not part of any model)."""

from __future__ import annotations

import duckdb

LAYERS = ("staging", "core", "marts")


def tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = LAYERS) -> list[str]:
    placeholders = ", ".join("?" for _ in schemas)
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            f"SELECT table_schema, table_name FROM information_schema.tables "
            f"WHERE table_schema IN ({placeholders}) ORDER BY 1, 2",
            list(schemas),
        ).fetchall()
    ]


def checksums(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = LAYERS
) -> dict[str, tuple[int, str]]:
    """{schema.table: (rows, order-independent 128-bit content hash)}."""
    out = {}
    for name in tables(con, schemas):
        schema, table = name.split(".")
        n, upper, lower = con.execute(
            f"SELECT count(*), sum(md5_number_upper(t::VARCHAR)), "
            f'sum(md5_number_lower(t::VARCHAR)) FROM "{schema}"."{table}" t'
        ).fetchone() or (0, 0, 0)
        out[name] = (int(n), f"{upper or 0:x}-{lower or 0:x}")
    return out
