"""A reproducible stratified draw of fiches: the frame (audits/sql/frame.sql), the strata, the
sample, and the files that describe it.

Within each stratum the fiches are ordered by the SHA-256 of (seed, stratum, fiche id) and the
first `n` are drawn: a simple random sample without replacement, each fiche of a stratum of N
drawn with probability n/N (all of them when N <= n). The order depends on nothing but those
three values (no library's random generator, whose algorithm may change between versions), so
the same frame, seed and n give the same sample, and a replay writes the same bytes.

A draw folder holds `sample.csv` (the drawn fiches, their stratum, probability and weight, and
what the warehouse knows of each pre-filled question), `frame.csv` (per stratum and pre-filled
question, the warehouse's figure over every fiche of the frame) and `manifest.json` (no
wall-clock time: when and by whom it was drawn is in the audit trail).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from audits import files
from audits.grid import Grid, Question
from audits.source import Source
from rrc.errors import RRCError

FORMAT = "rrc-audit-draw/1"
ID = re.compile(r"^audit-[0-9a-f]{12}$")
MANIFEST = "manifest.json"
SAMPLE, FRAME = "sample.csv", "frame.csv"
FRAME_SQL = (Path(__file__).parent / "sql" / "frame.sql").read_text(encoding="utf-8")
PER = {"rcp": "entity_code", "organ": "organ", "3c": "c3_id"}
LABELS = {
    "rcp": "select entity_code as key, name as label from core.dim_rcp_entity",
    "organ": "select organ as key, label from core.dim_organ",
    "3c": "select c3_id as key, name as label from core.dim_c3",
}
PER_LABEL = {"rcp": "RCP", "organ": "Organe", "3c": "3C"}
METHOD = (
    "stratified simple random sampling without replacement: within each stratum the fiches are "
    "ordered by SHA-256(seed, stratum, fiche_id) and the first n are drawn; probability n/N, "
    "weight N/n"
)


class DrawError(RRCError):
    """A draw cannot be made or replayed as asked."""


@dataclass(frozen=True)
class Request:
    grid: Grid
    start: dt.date
    end: dt.date
    per: str
    n: int
    seed: int
    c3: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {
            "grid": self.grid.id,
            "grid_sha256": self.grid.sha256,
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "per": self.per,
            "n": self.n,
            "seed": self.seed,
            "c3": self.c3,
        }


def period(text: str) -> tuple[dt.date, dt.date]:
    """'2013', '2013-01-01..2013-06-30' (or a single day) as (start, end)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
        first, _, last = text.partition("..")
        start = dt.date.fromisoformat(first.strip())
        end = dt.date.fromisoformat(last.strip()) if last else start
    except ValueError:
        raise DrawError(
            f"period {text!r} is not a year or START..END",
            hint="for example --period 2013 or --period 2013-01-01..2013-06-30",
        ) from None
    if end < start:
        raise DrawError(f"period {text!r} ends before it starts")
    return start, end


def check(request: Request) -> None:
    if request.per not in PER:
        raise DrawError(f"--per {request.per!r}: stratify by one of {', '.join(PER)}")
    if request.n < 1 or request.n > 10_000:
        raise DrawError(f"--n {request.n}: draw between 1 and 10000 fiches per stratum")


def draw_id(request: Request, snapshot_id: str) -> str:
    material = json.dumps({**request.canonical(), "snapshot": snapshot_id}, sort_keys=True)
    return "audit-" + hashlib.sha256(material.encode()).hexdigest()[:12]


def frame(con: duckdb.DuckDBPyConnection, request: Request) -> pl.DataFrame:
    """Every fiche of the period (and 3C), with its stratum."""
    params = {"start": request.start.isoformat(), "end": request.end.isoformat(), "c3": request.c3}
    out = con.execute(FRAME_SQL, params).pl()
    return out.with_columns(stratum=pl.col(PER[request.per]).cast(pl.String))


def _order_key(seed: int) -> pl.Expr:
    text = pl.concat_str([pl.lit(f"{seed}"), pl.col("stratum"), pl.col("fiche_id")], separator="\0")
    return text.map_elements(lambda s: hashlib.sha256(s.encode()).hexdigest(), pl.String)


def sample(framed: pl.DataFrame, request: Request) -> pl.DataFrame:
    """The drawn fiches: the first n of each stratum by key, numbered by stratum then date."""
    sizes = framed.group_by("stratum").agg(frame_size=pl.len().cast(pl.Int64))
    drawn = (
        framed.with_columns(key=_order_key(request.seed))
        .sort("stratum", "key")
        .filter(pl.col("key").cum_count().over("stratum") <= request.n)
        .join(sizes, on="stratum")
        .with_columns(drawn=pl.len().over("stratum").cast(pl.Int64))
        .with_columns(
            probability=(pl.col("drawn") / pl.col("frame_size")).round(9),
            weight=(pl.col("frame_size") / pl.col("drawn")).round(9),
        )
        .sort("stratum", "rcp_date", "fiche_id")
    )
    return drawn.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))


def _compliant(q: Question) -> pl.Expr:
    """Whether the warehouse's value of `q` on a fiche is compliant (null: unknown)."""
    assert q.prefill is not None
    if q.type == "date":
        days = (pl.col(q.prefill) - pl.col("rcp_date")).dt.total_days()
        return (
            pl.when(pl.col(q.prefill).is_null())
            .then(None)
            .otherwise(days.is_between(0, q.within_days or 0))
        )
    return pl.col(q.prefill)


def figures(framed: pl.DataFrame, grid: Grid) -> pl.DataFrame:
    """Per stratum and pre-filled question: fiches of the frame, those the warehouse can judge,
    and those it finds compliant."""
    parts = [
        framed.group_by("stratum").agg(
            question=pl.lit(q.id),
            frame_size=pl.len().cast(pl.Int64),
            known=_compliant(q).is_not_null().sum().cast(pl.Int64),
            compliant=_compliant(q).fill_null(False).sum().cast(pl.Int64),
        )
        for q in grid.questions
        if q.prefill
    ]
    columns = ["question", "stratum", "frame_size", "known", "compliant"]
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    order = {q.id: k for k, q in enumerate(grid.questions)}
    return (
        pl.concat(parts)
        .select(columns)
        .sort(pl.col("question").replace_strict(order, return_dtype=pl.Int64), "stratum")
    )


def _sample_columns(grid: Grid) -> list[str]:
    prefills = sorted({q.prefill for q in grid.questions if q.prefill})
    base = ["line", "stratum", "fiche_id", "session_id", "rcp_date", "c3_id", "entity_code"]
    return [*base, "organ", "frame_size", "drawn", "probability", "weight", *prefills]


def _labels(con: duckdb.DuckDBPyConnection, per: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in con.execute(LABELS[per]).fetchall()}


def _software() -> dict[str, str]:
    try:
        own = metadata.version("rrc-analytics")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        own = "unknown"
    return {"rrc-analytics": own, "duckdb": duckdb.__version__, "polars": pl.__version__}


@dataclass(frozen=True)
class Draw:
    id: str
    folder: Path
    manifest: dict[str, Any]

    @property
    def drawn(self) -> int:
        return int(self.manifest["drawn"])


def write(src: Source, request: Request, root: Path) -> Draw:
    """Draw from snapshot `src` into `root/<draw id>/` (written again, byte for byte, if there)."""
    check(request)
    ident = draw_id(request, src.id)
    con = src.connect()
    try:
        framed = frame(con, request)
        labels = _labels(con, request.per)
    finally:
        con.close()
    if framed.height == 0:
        where = f" of 3C {request.c3}" if request.c3 else ""
        raise DrawError(
            f"no fiche{where} between {request.start} and {request.end}: nothing to draw",
            hint="choose a period with RCP activity (`rrc etl status` shows the data's dates)",
        )
    drawn = sample(framed, request)
    figs = figures(framed, grid=request.grid)
    folder = root / ident
    folder.mkdir(parents=True, exist_ok=True)
    files.csv(drawn.select(_sample_columns(request.grid)), folder / SAMPLE)
    files.csv(figs, folder / FRAME)
    strata = (
        drawn.group_by("stratum")
        .agg(pl.first("frame_size"), pl.first("drawn"), pl.first("probability"), pl.first("weight"))
        .sort("stratum")
        .to_dicts()
    )
    manifest = {
        "format": FORMAT,
        "draw_id": ident,
        "request": request.canonical(),
        "grid": {
            "id": request.grid.id,
            "label": request.grid.label,
            "sha256": request.grid.sha256,
            "questions": [q.id for q in request.grid.questions],
        },
        "snapshot": src.describe(),
        "method": METHOD,
        "per": {"key": request.per, "label": PER_LABEL[request.per]},
        "strata": [
            {**s, "label": labels.get(str(s["stratum"]), str(s["stratum"]))} for s in strata
        ],
        "frame": framed.height,
        "drawn": drawn.height,
        "files": {
            name: {"sha256": files.sha256(folder / name), "rows": rows}
            for name, rows in ((SAMPLE, drawn.height), (FRAME, figs.height))
        },
        "software": _software(),
    }
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    files.text(text, folder / MANIFEST)
    return Draw(ident, folder, manifest)


def read(folder: Path) -> Draw:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DrawError(f"no audit draw in {folder}: {exc.strerror}") from exc
    except ValueError as exc:
        raise DrawError(f"{path} is not a JSON manifest: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DrawError(f"{path} is not an audit draw manifest (format {FORMAT})")
    return Draw(str(data["draw_id"]), folder, data)


def load_sample(d: Draw) -> pl.DataFrame:
    return pl.read_csv(
        d.folder / SAMPLE,
        schema_overrides={"stratum": pl.String, "fiche_id": pl.String, "session_id": pl.String,
                          "c3_id": pl.String, "entity_code": pl.String, "organ": pl.String},
        try_parse_dates=True,
    )  # fmt: skip


def load_frame(d: Draw) -> pl.DataFrame:
    return pl.read_csv(
        d.folder / FRAME, schema_overrides={"stratum": pl.String, "question": pl.String}
    )
