"""Incremental models: a run rebuilds what changed and what depends on it, not the history.

A model may have a rule, `warehouse/models/<layer>/incremental/<model>.sql` (a Python model too:
its `build(con, tables=...)` then reads the filtered relations it is given):

    -- key: fiche_id
    -- reads staging.stg_fiche: fiche_id
    select fiche_id from changes.stg_fiche
    union all select row_key from changes.blocked where table_name = 'stg_fiche'

`key` names the model's columns by which its rows are recomputed (a fiche, a month, a year); each
`reads` line names an input the model then reads only for the touched keys (the SQL expression of
the input's columns that gives the key); the SELECT gives the keys a run touched, from what the
run changed in the model's inputs (`changes.<table>`: old and new versions of the rows that
differ, `warehouse/changes.py`) and the current tables. The rows of the touched keys are deleted
and computed again by the model's own SQL, its inputs filtered to those keys; the rows that
differ go to `changes.<model>` for the models downstream.

Every other model, or one whose changed input its rule does not read, is rebuilt whole; a model
none of whose inputs changed is left as it is. A change of the models, their rules, the reference
tables, the quorum rules or the pseudonymisation key (`digest`) rebuilds every model. The
property test (tests/reliability/test_incremental.py) holds the result to a full rebuild's.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from rrc import duck
from rrc.duck import column_types, has_table
from rrc.errors import ConfigError
from rrc.settings import config_dir
from warehouse import changes
from warehouse.dag import LAYERS, MODELS_DIR, Model, materialise, model_error

INPUT = re.compile(r"\b((?:mapped|staging|core|marts|ref|quality)\.\w+)")
CHANGES = re.compile(r"\bchanges\.(\w+)")
STATIC = ("ref",)  # loaded from the package each run; their content is part of `digest`


@dataclass(frozen=True)
class Rule:
    model: str  # layer.name
    key: tuple[str, ...]
    filters: dict[str, str]  # input -> the expression of its columns giving the key
    touched: str
    path: Path

    @property
    def reads_changes(self) -> set[str]:
        return set(CHANGES.findall(self.touched))


def change_name(table: str) -> str:
    """`staging.stg_session` -> `stg_session`: the name of its rows in `changes`."""
    return table.split(".", 1)[1]


def _parse(layer: str, path: Path) -> Rule:
    key: tuple[str, ...] = ()
    filters: dict[str, str] = {}
    body = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- key:"):
            key = tuple(k.strip() for k in line.removeprefix("-- key:").split(","))
        elif line.startswith("-- reads "):
            table, _, expr = line.removeprefix("-- reads ").partition(":")
            filters[table.strip()] = expr.strip()
        elif not line.startswith("--"):
            body.append(line)
    if not key or not "".join(body).strip():
        raise ConfigError(f"{path}: an incremental rule needs `-- key:` and a SELECT of the keys")
    return Rule(f"{layer}.{path.stem}", key, filters, "\n".join(body).strip(), path)


@cache
def rules() -> dict[str, Rule]:
    """Every model's rule, by `layer.model`."""
    out = {}
    for layer in LAYERS:
        for path in sorted((MODELS_DIR / layer / "incremental").glob("*.sql")):
            rule = _parse(layer, path)
            if not any((MODELS_DIR / layer / f"{path.stem}{x}").exists() for x in (".sql", ".py")):
                raise ConfigError(f"{path}: no SQL model {rule.model} to make incremental")
            out[rule.model] = rule
    return out


def inputs(model: Model) -> set[str]:
    """Every table a model reads, the mapped entities, references and quality tables included."""
    if model.kind == "python":
        return set(model.module.READS)
    return set(INPUT.findall(model.sql)) - {model.qualified}


def digest(con: duckdb.DuckDBPyConnection) -> str:
    """What the models compute besides their inputs: their SQL and rules, the canonical model,
    the reference tables, the quorum rules and the pseudonymisation key. When it changes, every
    model is rebuilt."""
    h = hashlib.sha256()
    # the canonical model: the mapped entities' columns
    h.update((MODELS_DIR.parent / "canonical.py").read_bytes())
    for path in sorted(MODELS_DIR.rglob("*")):
        if path.suffix in (".sql", ".py") and path.is_file():
            h.update(str(path.relative_to(MODELS_DIR)).encode())
            h.update(path.read_bytes())
    quorum = config_dir() / "quorum_rules.toml"
    if quorum.exists():
        h.update(quorum.read_bytes())
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'ref' ORDER BY 1"
    ).fetchall():
        row = con.execute(
            f"SELECT count(*), sum(md5_number_upper(t::VARCHAR)), "
            f'sum(md5_number_lower(t::VARCHAR)) FROM ref."{table}" t'
        ).fetchone()
        h.update(f"{table}{row}".encode())
    for name in ("hmac_ipad", "hmac_opad"):
        row = con.execute(f"SELECT CAST(getvariable('{name}') AS VARCHAR)").fetchone()
        h.update(str(row[0] if row else "").encode())
    return h.hexdigest()


DIGEST = "meta.model_digest"  # what the models of the published build were computed by


def stored_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    return duck.stored_digest(con, DIGEST)


def store_digest(con: duckdb.DuckDBPyConnection, value: str) -> None:
    duck.store_digest(con, DIGEST, value)


def _match(exprs: list[str]) -> str:
    """A touched key (`_t`, its columns `_k0`, `_k1`..., so that they hide none of the row's)
    equal to the row's (`exprs`, over its columns); NULL keys match."""
    return " AND ".join(f"_t._k{i} IS NOT DISTINCT FROM ({e})" for i, e in enumerate(exprs))


def _touched_rows(relation: str, exprs: list[str], select: str = "*") -> str:
    """The rows of `relation` whose key was touched (`select` of them). A semi join: DuckDB
    hashes the touched keys and probes each row once, where a correlated EXISTS on the same
    condition was planned as a mark join over every row (stg_fiche_version's input at 1M: 0.70 s
    against 0.16 s)."""
    return f"SELECT {select} FROM {relation} SEMI JOIN _touched _t ON {_match(exprs)}"


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def columns_read(
    con: duckdb.DuckDBPyConnection, sql: str, tables: list[str]
) -> dict[str, list[str]]:
    """The columns a query reads of each of `tables` (`schema.table`), as DuckDB's own plan
    prunes them: the projections and filters of its scans of the table. A table the plan does
    not scan by name, or scans without a projection, is left out (the caller reads it whole).
    Selected this way, a model's input of touched rows carries 6 to 11 of fact_fiche's 39
    columns for most marts, instead of all."""
    plan = json.loads(
        str((con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchone() or ("", "[]"))[1])
    )
    wanted = {tuple(t.split(".", 1)): t for t in tables}
    found: dict[str, set[str]] = {}
    whole: set[str] = set()
    stack = list(plan)
    while stack:
        node = stack.pop()
        stack.extend(node.get("children", []))
        info = node.get("extra_info", {})
        if "Table" not in info:
            continue
        parts = [_unquote(p) for p in re.findall(r'"(?:[^"]|"")*"|[^.]+', str(info["Table"]))]
        table = wanted.get(tuple(parts[-2:]))
        if table is None:
            continue
        if "Projections" not in info:  # a scan of every column
            whole.add(table)
            continue
        projected = info["Projections"]
        named = found.setdefault(table, set())
        named.update([projected] if isinstance(projected, str) else projected)
        named.add(json.dumps(info.get("Filters") or ""))  # matched against the columns below
    out = {}
    for table, named in found.items():
        if table in whole:
            continue
        schema, name = table.split(".", 1)
        cols = [c for c, _ in column_types(con, f'{schema}."{name}"')]
        text = " ".join(named)
        out[table] = [c for c in cols if c in named or re.search(rf"\b{re.escape(c)}\b", text)]
    return out


@dataclass
class Build:
    """The models of one build, run in order; `needed` are the tables whose changes some rule
    reads (a model rebuilt whole is then compared with its previous rows)."""

    con: duckdb.DuckDBPyConnection
    incremental: bool
    needed: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)  # rebuilt whole without comparing
    modes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.needed = {c for r in rules().values() for c in r.reads_changes}

    def run(self, models: list[Model]) -> dict[str, float]:
        timings = {}
        for layer in LAYERS:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
        for model in models:
            started = time.perf_counter()
            try:
                self.modes[model.qualified] = self._one(model)
            except duckdb.Error as exc:
                raise model_error(self.con, model, exc) from exc
            timings[model.qualified] = time.perf_counter() - started
        return timings

    def changed(self) -> dict[str, str | None]:
        """For each model this build ran whose changes it knows: the relation of its changed
        rows (`changes.<name>`), or None when the run left it as it was (a model rebuilt whole
        without comparing is left out: what it changed is not known)."""
        out: dict[str, str | None] = {}
        for model in self.modes:
            if model in self.unknown:
                continue
            name = change_name(model)
            out[model] = f'{changes.SCHEMA}."{name}"' if changes.count(self.con, name) else None
        return out

    def _one(self, model: Model) -> str:
        if not self.incremental or not has_table(self.con, model.qualified):
            return self._whole(model)
        reads = {i for i in inputs(model) if i.split(".")[0] not in STATIC}
        if reads & self.unknown:
            return self._whole(model)
        changed = {i for i in reads if changes.count(self.con, change_name(i))}
        if not changed:
            return "unchanged"
        rule = rules().get(model.qualified)
        if rule is None or not {change_name(i) for i in changed} <= rule.reads_changes:
            return self._whole(model)
        return self._by_keys(model, rule)

    def _whole(self, model: Model) -> str:
        """The model rebuilt from all its input rows; compared with its previous rows when a rule
        downstream reads its changes, else dropped first (its blocks reused: the file does not
        grow)."""
        name = change_name(model.qualified)
        layer = model.layer
        keep = self.incremental and name in self.needed and has_table(self.con, model.qualified)
        if keep:
            self.con.execute(f"ALTER TABLE {model.qualified} RENAME TO {name}__before")
        elif self.incremental:
            self.con.execute(f"DROP TABLE IF EXISTS {model.qualified}")
            self.unknown.add(model.qualified)
        materialise(self.con, model)
        if keep:
            changes.record(self.con, name, f"{layer}.{name}__before", model.qualified)
            self.con.execute(f"DROP TABLE {layer}.{name}__before")
        return "whole"

    def _by_keys(self, model: Model, rule: Rule) -> str:
        con = self.con
        cols = ", ".join(rule.key)
        names = ", ".join(f"_k{i}" for i in range(len(rule.key)))
        for name in rule.reads_changes:
            changes.ensure(con, name)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT * FROM ({rule.touched})"
            f" AS _k({names})"
        )
        row = con.execute("SELECT count(*) FROM _touched").fetchone()
        if not row or not row[0]:
            return "unchanged"
        key = list(rule.key)
        # the touched rows before, with their row ids: the DELETE then finds them by id instead
        # of matching every row's key again
        before = _touched_rows(model.qualified, key, "rowid AS _rowid, *")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _before AS {before}")
        con.execute(f"DELETE FROM {model.qualified} WHERE rowid IN (SELECT _rowid FROM _before)")
        # each input's rows of the touched keys, selected once: a model that reads an input in
        # several places (mart_patients_yearly's 16 GROUP BYs) would filter it as many times
        # with the columns the model reads of it (a mart reads a few of a fact's columns)
        relations = {}
        read = {} if model.kind == "python" else columns_read(con, model.sql, list(rule.filters))
        for i, (table, expr) in enumerate(rule.filters.items()):
            relations[table] = f"_input{i}"
            named = read.get(table)
            select = ", ".join(f'"{c}"' for c in named) if named else "*"
            rows = _touched_rows(table, _split(expr), select)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _input{i} AS {rows}")
        if model.kind == "python":  # the model takes the relations to read instead
            con.register("_model_rows", model.module.build(con, tables=relations).to_arrow())
            rows = "_model_rows"
        else:
            sql = model.sql
            for table, relation in relations.items():
                sql = re.sub(rf"\b{re.escape(table)}\b(?!\.)", relation, sql)
            rows = f"({sql})"
        # the new rows of the touched keys, in the model's own columns and types, are the rows
        # after: kept before they are inserted, they need no second scan of the whole model
        con.execute(f"CREATE OR REPLACE TEMP TABLE _after AS FROM {model.qualified} LIMIT 0")
        con.execute(f"INSERT INTO _after BY NAME {_touched_rows(rows, key)}")
        if model.kind == "python":
            con.unregister("_model_rows")
        con.execute(f"INSERT INTO {model.qualified} FROM _after")
        changes.record(con, change_name(model.qualified), "_before", "_after")
        for temp in ("_touched", "_before", "_after", *relations.values()):
            con.execute(f"DROP TABLE {temp}")
        return f"by key ({row[0]:,} {cols})"


def _split(expr: str) -> list[str]:
    """A composite key's expressions, separated by `;` in a `reads` line."""
    return [e.strip() for e in expr.split(";")]
