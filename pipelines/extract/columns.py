"""Which source columns a mapping reads from a table (to check for schema drift)."""

from __future__ import annotations

from typing import Any

from pipelines.config import Mapping, TableSpec


def _from_spec(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, dict):
        for key in ("column", "not_null"):
            if key in spec:
                return [spec[key]]
        for key in ("concat", "concat_datetime"):
            if key in spec:
                return list(spec[key])
    return []


def referenced_columns(mapping: Mapping, table: TableSpec) -> list[str]:
    """Key, watermark, required and mapped columns of `table`, in a stable order."""
    cols: list[str] = [*table.key, *([table.watermark] if table.watermark else []), *table.required]
    for entity in mapping.entities:
        if entity.table == table.name:
            for spec in entity.columns.values():
                cols += _from_spec(spec)
    return list(dict.fromkeys(cols))
