"""SQL of a cohort: the fixed population model (sql/dossiers.sql) and one boolean column per
criterion, `step_1` .. `step_n`, each a predicate whose values are bound parameters.

Only identifiers owned by this module (columns of the model, generated parameter names) are
written into the SQL; every value a user typed is bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from cohorts.definition import Criterion, Definition

POPULATION = (Path(__file__).parent / "sql" / "dossiers.sql").read_text(encoding="utf-8")
TNM = {"t": "tnm_t", "n": "tnm_n", "m": "tnm_m"}


@dataclass
class Params:
    """Named parameters handed to DuckDB, with the names they were given in the SQL."""

    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values) + 1}"
        self.values[name] = value
        return f"${name}"


def _prefixes(values: list[str]) -> str:
    """A regular expression matching codes that start with one of `values` (validated codes:
    letters, digits and dots only), dots ignored on both sides."""
    return "^(" + "|".join(v.replace(".", "") for v in values) + ")"


def predicate(c: Criterion, p: Params) -> str:
    """The SQL condition of one criterion over the population's columns."""
    spec, v = c.spec, c.value
    col = spec.column
    if spec.kind == "set":
        sql = f"list_contains({p.bind(v)}::varchar[], {col})"
    elif spec.kind == "list_any":
        sql = f"len(list_intersect({col}, {p.bind(v)}::varchar[])) > 0"
    elif spec.kind == "prefix":
        sql = f"regexp_matches(replace({col}, '.', ''), {p.bind(_prefixes(v))})"
    elif spec.kind == "range":
        parts = [f"{col} >= {p.bind(v['min'])}"] if "min" in v else []
        parts += [f"{col} <= {p.bind(v['max'])}"] if "max" in v else []
        sql = " and ".join(parts)
    elif spec.kind == "dates":
        parts = [f"{col} >= {p.bind(v['start'])}::date"] if "start" in v else []
        parts += [f"{col} <= {p.bind(v['end'])}::date"] if "end" in v else []
        sql = " and ".join(parts)
    elif spec.kind == "flag":
        test = f"len({col}) > 0" if col == "included_trials" else f"{col} is not null"
        sql = f"({test}) = {p.bind(v)}"
    else:  # stage
        sql = " and ".join(
            f"regexp_matches({TNM[k]}, {p.bind(_prefixes(x))})" for k, x in v.items()
        )
    return f"coalesce(({sql}), false)"


def flagged(definition: Definition) -> tuple[str, dict[str, Any]]:
    """SQL of the population with one column per criterion (`step_k`), and its parameters."""
    p = Params()
    steps = [f"{predicate(c, p)} as step_{k}" for k, c in enumerate(definition.criteria, start=1)]
    return f"with population as ({POPULATION})\nselect *, {', '.join(steps)} from population", (
        p.values
    )


def all_steps(n: int) -> str:
    return " and ".join(f"step_{k}" for k in range(1, n + 1)) or "true"


def _per_step(
    con: duckdb.DuckDBPyConnection, definition: Definition, patients: str, dossiers: str
) -> list[tuple[Any, Any]]:
    """Two aggregates, over the patients and the dossiers left, in the population and after
    each criterion in turn (`{where}` in each stands for the step's condition)."""
    sql, params = flagged(definition)
    n = len(definition.criteria)
    aggregates = ", ".join(
        f"{patients.format(where=all_steps(k))}, {dossiers.format(where=all_steps(k))}"
        for k in range(n + 1)
    )
    row = con.execute(
        f"with flagged as ({sql}) select {aggregates} from flagged", params
    ).fetchone()
    assert row is not None
    return [(row[2 * k], row[2 * k + 1]) for k in range(n + 1)]


def counts(con: duckdb.DuckDBPyConnection, definition: Definition) -> list[tuple[int, int]]:
    """(patients, dossiers) in the population, then after each criterion in turn."""
    steps = _per_step(
        con,
        definition,
        "count(distinct patient_key) filter (where {where})",
        "count(*) filter (where {where})",
    )
    return [(int(p), int(d)) for p, d in steps]


def digests(con: duckdb.DuckDBPyConnection, definition: Definition) -> list[tuple[str, str]]:
    """Per step as `counts` gives them, a digest of the set of patients and of dossiers left
    (the sum of their hashes: the same set gives the same digest, whatever the criteria and
    their order), the identity of their cells for statistical-secrecy noise."""
    steps = _per_step(
        con,
        definition,
        "coalesce(sum(DISTINCT hash(patient_key)) filter (where {where}), 0)",
        "coalesce(sum(hash(fiche_id)) filter (where {where}), 0)",
    )
    return [(str(p), str(d)) for p, d in steps]


def selected(con: duckdb.DuckDBPyConnection, definition: Definition) -> pl.DataFrame:
    """The dossiers meeting every criterion (the population's columns)."""
    sql, params = flagged(definition)
    n = len(definition.criteria)
    steps = ", ".join(f"step_{k}" for k in range(1, n + 1))
    return con.execute(
        f"with flagged as ({sql}) select * exclude ({steps}) from flagged "
        f"where {all_steps(n)} order by fiche_id",
        params,
    ).pl()
