"""CDA extraction speed: documents/s of the `cda` source (lxml, XPath mapping, value sets,
rules, rows into DuckDB) against parsing the same files with lxml alone (the limit: every
ClinicalDocument of the zip read and dropped).

    python -m bench.cda --documents 100000     # the issue's volume (a zip of ~0.6 GB)
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


def documents_zip(path: Path, documents: int) -> Path:
    template = TEMPLATE.read_text(encoding="utf-8")
    first = dt.date(2019, 1, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in range(documents):
            day = (first + dt.timedelta(days=n % 365)).strftime("%Y%m%d")
            z.writestr(f"frcp/{n:07d}.xml", template.format(n=n, day=day))
    return path


def lxml_alone(path: Path) -> tuple[int, float]:
    """Every ClinicalDocument of the zip parsed and freed, nothing read from it."""
    started = time.perf_counter()
    n = 0
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            with z.open(name) as fh:
                for _event, element in etree.iterparse(fh, events=("end",), tag=cda.DOCUMENT):
                    n += 1
                    element.clear()
    return n, time.perf_counter() - started


def ours(path: Path) -> tuple[int, float]:
    """The source's extraction into the raw layer of a DuckDB file (what `rrc etl run` does)."""
    source = Source(name="frcp", kind="cda", mapping=load_mapping(MAPPING), path=path)
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "cda.duckdb"))
        try:
            con.execute("CREATE SCHEMA raw")
            started = time.perf_counter()
            loads = cda.extract(con, source, load_id="bench")
            seconds = time.perf_counter() - started
        finally:
            con.close()
    return sum(f.rows_read for x in loads for f in x.files), seconds


def measure(documents: int, workdir: Path) -> list[Figure]:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"frcp_{documents}.zip"
    if not path.exists():
        documents_zip(path, documents)
    n_alone, alone = lxml_alone(path)
    n_ours, seconds = ours(path)
    assert n_alone == n_ours == documents, (n_alone, n_ours, documents)
    limit = n_alone / alone
    return [
        Figure(
            "extract CDA Fiche RCP documents (lxml, XPath mapping, value sets, rules) into raw",
            n_ours / seconds,
            "documents/s",
            TARGET,
            limit=limit,
            limit_text=f"lxml alone parsing the same zip {limit:,.0f} documents/s",
            note=f"{documents:,} documents, {path.stat().st_size / 2**20:,.0f} MB zipped",
        )
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
            "Most of the time goes to evaluating the mapping's XPaths (about 60 for the fiche",
            "and 7 per record: one lxml call each, with Python between them), then to parsing;",
            "writing the rows to DuckDB is small (cProfile on 1,000 documents). `make bench` runs",
            "the same step at 100,000 documents (`bench/run.py`, step `cda`).",
        ]
    )
    write(args.out, "cda", "CDA documents (`python -m bench.cda`)", body)
    print(table)


if __name__ == "__main__":
    main()
