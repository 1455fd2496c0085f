"""Files whose records carry their own reasons: the registry's JSON export and the FINESS extract.

A record in breach of the contract is kept, with the reason in `_reject`, so that the mapping
quarantines it with its row: a JSON value that is not text (never stringified), a FINESS line
whose record type differs from a declared one by case or spaces (never dropped).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import raw
from pipelines.config import Source, TableSpec
from pipelines.contract import Violations
from pipelines.extract.encoding import text
from rrc.errors import SourceError

JSON_TYPE = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "a list",
    dict: "an object",
}


def dig(document: Any, path: str) -> tuple[Any, str | None]:
    """(value at `path`, None) or (None, why it has the wrong shape); absent parts give None."""
    walked = []
    for part in path.split("."):
        index = None
        if part.endswith("]"):
            part, index = part[:-1].split("[")
        walked.append(part)
        if document is None:
            return None, None
        if not isinstance(document, dict):
            return None, f"{'.'.join(walked[:-1])} is {JSON_TYPE.get(type(document), 'text')}"
        document = document.get(part)
        if index is not None and document is not None:
            if not isinstance(document, list):
                kind = JSON_TYPE.get(type(document), "text")
                return None, f"{'.'.join(walked)} is {kind}, not a list"
            document = document[int(index)] if document else None
    return document, None


STUDY = "$."  # a path read from the study, in a table whose rows are elements of a list of it


def _records(study: Any, record: str | None) -> list[tuple[Any, str | None]]:
    """The rows a study gives: itself, or each element of the list at `record` (none when the
    list is absent or empty; one row carrying the reason when it is not a list)."""
    if record is None:
        return [(study, None)]
    found, wrong = dig(study, record)
    if wrong is None and found is not None and not isinstance(found, list):
        wrong = f"is {JSON_TYPE.get(type(found), 'text')}, not a list"
    if wrong:
        return [({}, wrong)]
    return [(element, None) for element in found or []]


def registry_json(path: Path, spec: TableSpec, source: Source) -> pl.DataFrame:
    """Each study one row, or (with `record`) each element of a list inside it; a value that is
    not text (a number, a boolean, a list where a title belongs) is never stringified: the row
    carries the reason and is quarantined."""
    try:
        studies = json.loads(path.read_text(encoding="utf-8"))["studies"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceError(
            f"{path.name} is not a registry export with `studies`: {exc}",
            source=source.name,
            table=spec.name,
        ) from exc
    if not isinstance(studies, list):
        raise SourceError(
            f"{path.name}: `studies` is {JSON_TYPE.get(type(studies), 'text')}, not a list",
            source=source.name,
            table=spec.name,
        )
    paths = spec.paths or {}
    rows = []
    for i, study in enumerate(studies, start=1):
        for element, wrong_list in _records(study, spec.record):
            row: dict[str, Any] = {"_row": i}
            reasons = [f"{spec.record}: {wrong_list}"] if wrong_list else []
            for col, p in paths.items():
                from_study = p.startswith(STUDY)
                value, wrong = dig(study if from_study else element, p.removeprefix(STUDY))
                if wrong is None and value is not None and not isinstance(value, str):
                    shown = json.dumps(value, ensure_ascii=False)[:60]
                    wrong = f"{p} is {JSON_TYPE.get(type(value), 'text')} ({shown}), not text"
                if wrong:
                    reasons.append(f"{col}: {wrong}")
                    value = None
                row[col] = value
            row[raw.REJECT] = "; ".join(reasons) or None
            rows.append(row)
    schema = {**dict.fromkeys(paths, pl.String), "_row": pl.Int64, raw.REJECT: pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def finess(path: Path, spec: TableSpec, source: Source, v: Violations) -> pl.DataFrame:
    """The lines of one record type. A line of a record type the mapping does not declare is
    never dropped silently: one that differs from a declared type only by case or spaces
    (`STRUCTUREET`, `structureet `) is kept in that type's table and quarantined with the
    reason; one that matches no declared type is refused or counted, as the contract says."""
    lines = text(path, "latin-1", source, spec).splitlines()
    header = lines[0].split(";") if lines else []
    declared = {
        t.record: t
        for t in source.mapping.tables.values()
        if t.format == "finess" and t.file == spec.file and t.record
    }
    loose = {r.strip().lower(): r for r in declared}
    names = spec.columns or header
    rows: list[tuple[int, list[str], str | None]] = []
    unknown: dict[str, list[int]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = line.split(";")
        record = fields[0]
        if record == spec.record:
            rows.append((number, fields, None))
            continue
        if record in declared:
            continue
        near = loose.get(record.strip().lower())
        if near == spec.record:
            rows.append((number, fields, f"record type {record!r} is not {spec.record!r}"))
        elif near is None:
            unknown.setdefault(record, []).append(number)
    if spec.record == next(iter(declared), None) and unknown:  # reported once per file
        for record, numbers in unknown.items():
            shown = ", ".join(str(n) for n in numbers[:10])
            v(
                "unknown_record",
                len(numbers),
                f"{path.name}, line(s) {shown}: record type {record!r} is not one of "
                f"{', '.join(declared)}: {len(numbers)} line(s) not loaded",
                file=path.name,
                hint="correct the record type in the file, or declare a table for it in "
                f"config/mappings/{source.mapping.path.name}",
                done="skipped",
            )
    rejected = [r for r in rows if r[2] is not None]
    if rejected:
        at = ", ".join(str(n) for n, _, _ in rejected[:10])
        v(
            "unknown_record",
            len(rejected),
            f"{path.name}, line(s) {at}: {rejected[0][2]}",
            file=path.name,
            hint="correct the record type in the file (case and spaces count)",
        )
        if v.contract.unknown_record == "warn":  # counted, loaded as the type it resembles
            rows = [(n, f, None) for n, f, _ in rows]
    data: dict[str, list[Any]] = {
        n: [r[i] if i < len(r) and r[i] != "" else None for _, r, _ in rows]
        for i, n in enumerate(names)
    }
    data["_row"] = [n for n, _, _ in rows]
    data[raw.REJECT] = [reason for _, _, reason in rows]
    return pl.DataFrame(
        data, schema={**dict.fromkeys(names, pl.String), "_row": pl.Int64, raw.REJECT: pl.String}
    )
