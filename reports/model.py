"""A report as data: sections of tables, bar charts and notes, independent of any renderer.

Values stay raw (int, float, str): renderers format them. In a count or rate column, None means
a cell masked by statistical secrecy; a cell that does not apply holds the text "—".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "count", "rate", "value"]
NOT_APPLICABLE = "—"


@dataclass(frozen=True)
class Column:
    """One column: `count` (integer), `rate` (1 decimal), `value` (either, by type) or `text`."""

    key: str
    label: str
    kind: Kind = "count"


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    # where the rows come from: (query name, its parameters), for readers and tests
    source: tuple[str, dict[str, Any]] | None = None
    note: str = ""

    def column(self, key: str) -> list[Any]:
        i = [c.key for c in self.columns].index(key)
        return [row[i] for row in self.rows]


@dataclass(frozen=True)
class BarChart:
    """Bars per category, one series or several side by side (values None: masked)."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    unit: str = ""
    percent: bool = False


@dataclass(frozen=True)
class Note:
    text: str


Block = Table | BarChart | Note


@dataclass(frozen=True)
class Section:
    title: str
    sheet: str  # the XLSX sheet name (31 characters at most)
    blocks: tuple[Block, ...]
    intro: str = ""
    landscape: bool = False  # laid out on landscape pages in the PDF (wide tables)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass(frozen=True)
class Report:
    kind: Literal["ars", "3c", "audit", "activite"]
    scope: str  # "region", the 3C id, or the audit draw's id
    title: str
    subtitle: str
    year: int
    network: str
    snapshot: str
    generated_at: str  # ISO, local time of generation
    quality: str  # the data-quality status of the snapshot, in words
    threshold: int  # the statistical-secrecy threshold
    secrecy: bool  # were small cells masked (role without nominative rights)
    max_noise: int = 3  # the largest secrecy noise on a published count
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def basename(self) -> str:
        """File name without extension: rapport-ars-2013, rapport-3c-C3-05-2013,
        rapport-activite-2013, rapport-audit-0123456789ab."""
        if self.kind == "audit":
            return f"rapport-{self.scope}"
        middle = f"-{self.scope}" if self.kind == "3c" else ""
        return f"rapport-{self.kind}{middle}-{self.year}"
