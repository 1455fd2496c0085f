"""A source's contract, as data: what it may send and what happens when it does not.

Each mapping file (config/mappings/*.toml) holds a `[contract]` table, in the spirit of dlt's
schema contracts and of the Data Contract Specification: for every class of violation, one
action. `refuse` stops the source (the run fails, nothing is published, or the source is kept
stale when sources.toml says so), `quarantine` sends the row to `quality.quarantine` with its
reason, `warn` lets the run go on with a named warning that flags it, and for the SQL stores'
key reconciliation `reload` re-reads the table whole. Nothing is dropped or changed without one
of these, and each is counted (`Finding`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rrc.errors import ConfigError, SourceError

# setting: (allowed actions, default)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "missing_file": (("refuse", "warn"), "refuse"),
    "extra_column": (("refuse", "warn"), "warn"),
    "bad_value": (("quarantine", "refuse"), "quarantine"),
    "unknown_record": (("refuse", "quarantine", "warn"), "quarantine"),
    "duplicate_key": (("refuse", "quarantine", "warn"), "quarantine"),
    "missed_rows": (("refuse", "warn"), "warn"),
    "hard_delete": (("refuse", "warn"), "warn"),
    "changed_rows": (("refuse", "warn", "reload"), "reload"),
}
HASH_CHECKS = ("off", "sample", "full")
PERIODS = ("none", "year")


@dataclass(frozen=True)
class Contract:
    missing_file: str = "refuse"
    extra_column: str = "warn"
    bad_value: str = "quarantine"
    unknown_record: str = "quarantine"
    duplicate_key: str = "quarantine"
    missed_rows: str = "warn"
    hard_delete: str = "warn"
    changed_rows: str = "reload"
    period: str = "none"  # spreadsheets: "year" = one workbook per year, `{year}` in the pattern
    hash_check: str = "sample"  # sql: rows compared by a hash of their columns each incremental run
    hash_sample: int = 1000  # sql: rows per table compared when hash_check = "sample"
    refetch_limit: int = 50_000  # sql: past this many keys to re-read, the table is re-read whole


def parse(raw: dict[str, Any], path: Path) -> Contract:
    """The `[contract]` table of a mapping file; unknown settings and actions are refused."""
    known = {*ACTIONS, "period", "hash_check", "hash_sample", "refetch_limit"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown [contract] setting(s) {', '.join(unknown)}",
            hint=f"settings: {', '.join(sorted(known))} (docs/configuration.md)",
        )
    values: dict[str, Any] = {}
    for name, (allowed, default) in ACTIONS.items():
        action = raw.get(name, default)
        if action not in allowed:
            raise ConfigError(
                f"{path}: [contract] {name} = {action!r} is not one of {', '.join(allowed)}"
            )
        values[name] = action
    for name, allowed in (("period", PERIODS), ("hash_check", HASH_CHECKS)):
        value = raw.get(name, getattr(Contract, name))
        if value not in allowed:
            raise ConfigError(f"{path}: [contract] {name} = {value!r} is not one of {allowed}")
        values[name] = value
    for name in ("hash_sample", "refetch_limit"):
        value = raw.get(name, getattr(Contract, name))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{path}: [contract] {name} must be a positive integer")
        values[name] = value
    return Contract(**values)


@dataclass
class Finding:
    """One violation of a contract (or one gap the reconciliation closed), counted."""

    source: str
    table: str
    kind: str  # a setting of ACTIONS, or: blank_rows, null_watermark, reread
    action: str  # refused, quarantined, warned, reloaded, loaded, skipped
    count: int
    message: str
    file: str | None = None

    @property
    def flags(self) -> bool:
        """Whether the run is flagged for it: everything but blank rows (a sheet's layout) and
        quarantined rows read again (the contract at work, not a breach), nor documents a newer
        version superseded (the versions working as they should)."""
        return self.kind not in ("blank_rows", "reread", "superseded")


@dataclass
class FileLoad:
    """One file (and sheet) of a file source: expected, present, rows read and kept."""

    source: str
    table: str
    file: str
    sheet: str | None = None
    expected: bool = True
    present: bool = True
    rows_read: int = 0  # data rows under the header, blank ones included
    blank: int = 0  # blank rows, skipped
    rejected: int = 0  # rows read whose contract violation sends them to the quarantine
    kept_previous: int = 0  # rows of the previous run kept because the file was missing (warn)


@dataclass
class Violations:
    """Findings of one table's extraction, with the contract that says what to do."""

    source: str
    table: str
    contract: Contract
    findings: list[Finding] = field(default_factory=list)

    def __call__(
        self,
        kind: str,
        count: int,
        message: str,
        *,
        file: str | None = None,
        hint: str | None = None,
        column: str | None = None,
        done: str | None = None,
    ) -> None:
        """Apply the contract's action for `kind`: raise when it says refuse, else record."""
        action = getattr(self.contract, kind, None) if kind in ACTIONS else None
        if action == "refuse":
            raise SourceError(
                message, source=self.source, table=self.table, column=column, hint=hint
            )
        past = {"quarantine": "quarantined", "warn": "warned", "reload": "reloaded"}
        self.findings.append(
            Finding(
                self.source,
                self.table,
                kind,
                done or past.get(action or "", "warned"),
                count,
                message,
                file,
            )
        )
