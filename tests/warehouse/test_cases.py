"""SQL unit tests as data: each `cases/<model>.yml` gives input rows for the tables a model reads
and the rows it must return, run on an in-memory DuckDB with the column types of the data
dictionary (columns a case leaves out are NULL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from warehouse import dictionary
from warehouse.dag import discover

CASES = Path(__file__).parent / "cases"
MODELS = {m.qualified: m for m in discover()}


def _types() -> dict[str, dict[str, str]]:
    out = {}
    for layer in ("staging", "core", "marts"):
        for table, spec in dictionary.load(layer).items():
            out[f"{layer}.{table}"] = {c: col["type"] for c, col in spec["columns"].items()}
    return out


TYPES = _types()


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            params.append(pytest.param(spec["model"], case, id=f"{path.stem}: {case['name']}"))
    return params


def _load(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    types = TYPES[table]
    unknown = {c for r in rows for c in r} - set(types)
    assert not unknown, f"{table} has no column {sorted(unknown)}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
    con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in types.items())})")
    for row in rows:
        cols = list(row)
        con.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(repr(row[c]) for c in sorted(row))


@pytest.mark.parametrize(("model", "case"), _cases())
def test_model_returns_the_expected_rows(model: str, case: dict[str, Any]) -> None:
    con = duckdb.connect()
    for table, rows in case["given"].items():
        _load(con, table, rows)
    sql = MODELS[model].sql
    where = case.get("where")
    query = f"SELECT * FROM ({sql}) WHERE {where}" if where else sql
    got = con.execute(query).pl().to_dicts()
    columns = {c for r in case["expect"] for c in r}
    got_rows = sorted(({c: r[c] for c in columns} for r in got), key=_key)
    expected = sorted(case["expect"], key=_key)
    assert got_rows == expected


def test_the_marts_behind_the_overview_have_cases() -> None:
    from warehouse.read import catalogue

    tested = {yaml.safe_load(p.read_text(encoding="utf-8"))["model"] for p in CASES.glob("*.yml")}
    cat = catalogue.load()
    behind = {f"marts.{cat.indicator(i).marts[0]}" for i in cat.overview}
    missing = behind - tested
    assert behind and not missing, f"no case for {sorted(missing)}"
