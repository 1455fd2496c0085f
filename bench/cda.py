"""CDA extraction speed: documents/s of the `cda` source (lxml, the stylesheet compiled from
the XPath mapping, value sets, rules, rows into DuckDB) against parsing the same files with lxml
alone (the limit: every ClinicalDocument of the zip read by the same reader and dropped).

    python -m bench.cda --documents 100000     # the issue's volume (a zip of ~0.2 GB)
    python -m bench.cda --documents 2000       # a quick look

The documents are one Fiche RCP holding every field the mapping reads
(`bench/data/frcp_template.xml`), numbered, with RCP days spread over a year, in one zip.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
from lxml import etree

from bench.figures import Figure, Target, render
from bench.machine import ROOT, describe, load_average
from bench.report import write
from pipelines.config import Source, load_mapping
from pipelines.extract import cda
from rrc.settings import PROJECT_ROOT

TEMPLATE = Path(__file__).parent / "data" / "frcp_template.xml"
MAPPING = PROJECT_ROOT / "config" / "mappings" / "frcp_cda.toml"
TARGET = Target.ratio_at_least(0.9)  # the extraction target of the SQL stores (bench/extract.py)


def documents_zip(path: Path, documents: int, start: int = 0) -> Path:
    """`documents` fiches numbered from `start` in one zip."""
    template = TEMPLATE.read_text(encoding="utf-8")
    first = dt.date(2019, 1, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in range(start, start + documents):
            day = (first + dt.timedelta(days=n % 365)).strftime("%Y%m%d")
            z.writestr(f"frcp/{n:07d}.xml", template.format(n=n, day=day))
    return path


def _source(path: Path) -> Source:
    return Source(name="frcp", kind="cda", mapping=load_mapping(MAPPING), path=path)


def lxml_alone(path: Path) -> tuple[int, float, float]:
    """Every ClinicalDocument of the zip read by the source's own reader (each member parsed
    whole with lxml, as the extraction does) and dropped, nothing read from it: (documents,
    seconds, CPU seconds)."""
    started, cpu = time.perf_counter(), time.process_time()
    n = sum(1 for _ in cda.documents(_source(path)))
    return n, time.perf_counter() - started, time.process_time() - cpu


def iterparse_alone(path: Path) -> tuple[int, float]:
    """The zip streamed with lxml's iterparse (the limit measured until 2026-12): documents and
    seconds."""
    started = time.perf_counter()
    n = 0
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            with z.open(name) as fh:
                for _event, element in etree.iterparse(fh, events=("end",), tag=cda.DOCUMENT):
                    n += 1
                    element.clear()
    return n, time.perf_counter() - started


@dataclass(frozen=True)
class Ours:
    documents: int
    seconds: float
    cpu: float
    day_documents: int  # parsed by the run after the day's zip was added
    day_seconds: float


def ours(path: Path, day: Path) -> Ours:
    """The source's extraction into the raw layer of a DuckDB file (what `rrc etl run` does),
    then again once the day's zip is added beside the first (an incremental run: only the new
    files are parsed)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "documents"
        folder.mkdir()
        (folder / path.name).symlink_to(path.resolve())
        source = _source(folder)
        con = duckdb.connect(str(Path(tmp) / "cda.duckdb"))
        try:
            con.execute("CREATE SCHEMA raw")
            started, cpu = time.perf_counter(), time.process_time()
            loads = cda.extract(con, source, load_id="bench")
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            (folder / day.name).symlink_to(day.resolve())
            started = time.perf_counter()
            again = cda.extract(con, source, load_id="bench-day")
            day_seconds = time.perf_counter() - started
        finally:
            con.close()
    read = sum(f.rows_read for x in loads for f in x.files)
    day_read = next(x.read for x in again if x.table == "fiche")
    return Ours(read, seconds, cpu, day_read, day_seconds)


def measure(documents: int, workdir: Path) -> list[Figure]:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"frcp_{documents}.zip"
    if not path.exists():
        documents_zip(path, documents)
    new = max(1, documents // 100)
    day = workdir / f"frcp_{documents}_day_{new}.zip"
    if not day.exists():
        documents_zip(day, new, start=documents)
    # the limit is measured before and after ours, and averaged: the machine's load drifts
    n_before, before, cpu_before = lxml_alone(path)
    run = ours(path, day)
    n_after, after, cpu_after = lxml_alone(path)
    n_stream, stream = iterparse_alone(path)
    n_day, day_alone, _cpu = lxml_alone(day)
    assert n_before == n_after == run.documents == n_stream == documents, (run, documents)
    assert run.day_documents == n_day == new, (run, new)
    limit = 2 * documents / (before + after)
    cpu_ratio = (cpu_before + cpu_after) / 2 / run.cpu
    return [
        Figure(
            "extract CDA Fiche RCP documents (lxml, XSLT from the mapping, value sets, rules) "
            "into raw",
            run.documents / run.seconds,
            "documents/s",
            TARGET,
            limit=limit,
            limit_text=f"lxml alone parsing the same zip {limit:,.0f} documents/s",
            note=f"{documents:,} documents, {path.stat().st_size / 2**20:,.0f} MB zipped; "
            f"CPU time {cpu_ratio:.2f}×; against lxml's iterparse of the zip "
            f"({documents / stream:,.0f} documents/s, the limit until 2026-12) "
            f"{run.documents / run.seconds / (documents / stream):.2f}×",
        ),
        Figure(
            "the same source again once a day's zip is added beside it (an incremental run: "
            "only the new files parsed, the others' rows kept, versions drawn again over all)",
            run.day_seconds,
            "s",
            limit=run.seconds,
            limit_text=f"reading all {documents:,} documents {run.seconds:,.1f} s",
            note=f"{new:,} new documents; lxml alone parses them in {day_alone:.2f} s",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=PROJECT_ROOT / "data" / "bench" / "cda")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    load_before = load_average()
    table = render(measure(args.documents, args.workdir))
    body = "\n".join(
        [
            f"Reproduce: `.venv/bin/python -m bench.cda --documents {args.documents}`.",
            "",
            *describe(),
            f"- load average (1/5/15 min) at start {load_before}, at end {load_average()}",
            "",
            table,
            "",
            "The limit is the source's own reader without the mapping (each zip member parsed",
            "whole by lxml), measured before and after the extraction and averaged. The target",
            "is missed: per document (CPU time, one 13 kB fiche, 260 elements) lxml parses in",
            "about 110 µs and libxslt evaluates the stylesheet compiled from the mapping (about",
            "80 XPaths and 8 rules over 4 tables) in about 250 µs, the call alone 40 µs; zip,",
            "splitting the lines, value sets and DuckDB are small beside (pyinstrument, then",
            "ablation of the stylesheet). Reaching 0.9x would need the whole mapping in under",
            "15 µs a document, which no XPath engine driven from Python gives; a process per",
            "core would only take more of a shared machine. The first step measured 0.25x of",
            "iterparse (106 documents/s, ~60 lxml XPath calls a fiche).",
            "",
            "The second row is the next run once a day's zip (1 % of the documents) is added to",
            "the folder: only the new files are parsed (each file known by its digest, a zip",
            "member by the CRC-32 of the archive's directory: `pipelines/extract/cda_files.py`);",
            "what is left grows with the folder: listing its members, keeping and comparing the",
            "rows of raw, the commit. `make bench` runs both (`bench/run.py`, step `cda`).",
        ]
    )
    write(args.out, "cda", "CDA documents (`python -m bench.cda`)", body)
    print(table)


if __name__ == "__main__":
    main()
