"""One neutralisation for every file the platform writes: a property test over the OWASP
CSV-injection prefixes (= + - @ tab CR NUL, and LF and the full-width ＝ ＋ － ＠) for each writer:
board exports (charts and tables, CSV and XLSX), report XLSX, cohort CSV and Parquet. What a
spreadsheet reads back starts with the apostrophe; XLSX files hold no formula and no link."""

from __future__ import annotations

import html
import io
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cohorts import writer
from dashboards import export
from dashboards.indicators import Sheet
from reports import xlsx
from reports.model import Column, Report, Section, Table
from rrc.spreadsheet import FORMULA_START, neutralise

OWASP = ("=", "+", "-", "@", "\t", "\r", "\x00")
assert set(OWASP) <= set(FORMULA_START) and {"＝", "＋", "－", "＠"} <= set(FORMULA_START)

# text that a spreadsheet runs: a prefix, then anything (a formula, a DDE call, a link)
dangerous = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(FORMULA_START),
    st.text(st.characters(min_codepoint=32, blacklist_categories=("Cs",)), max_size=30),
)
EXAMPLES = [
    '=HYPERLINK("http://phish.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "－2+3",
]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _xlsx_texts(content: bytes) -> list[str]:
    """Every string cell of a workbook, and a check that none is a formula or a link."""
    book = zipfile.ZipFile(io.BytesIO(content))
    for name in book.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            sheet = book.read(name).decode()
            assert "<f>" not in sheet and "<hyperlink" not in sheet, name
    assert not any(n.startswith("xl/externalLinks") for n in book.namelist())
    strings = (
        book.read("xl/sharedStrings.xml").decode()
        if "xl/sharedStrings.xml" in book.namelist()
        else ""
    )
    cells = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<si>(.*?)</si>", strings, re.S)]
    return [_XML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), html.unescape(c)) for c in cells]


_XML_ESCAPE = re.compile(r"_x([0-9A-F]{4})_")  # how XLSX writes control characters


def _check_csv(content: bytes, values: list[str], separator: str) -> None:
    text = content.decode("utf-8-sig")
    frame = pl.read_csv(io.StringIO(text), separator=separator, infer_schema=False)
    column = frame.get_column(frame.columns[0]).to_list()
    assert column == ["'" + v for v in values]


def _frame(values: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"texte": values, "n": list(range(len(values)))})


def _sheet(values: list[str]) -> Sheet:
    """A chart's or a table's export as the boards build it: headers, then rows."""
    return Sheet(["texte", "n"], [[v, n] for n, v in enumerate(values)])


@FAST
@given(st.lists(dangerous, min_size=1, max_size=5))
@example(EXAMPLES)
def test_board_exports_csv_and_xlsx(values: list[str]) -> None:
    """Charts, tables and the overview go through export.csv_bytes and export.xlsx_bytes."""
    _check_csv(export.csv_bytes(_sheet(values)), values, ";")
    texts = _xlsx_texts(export.xlsx_bytes(_sheet(values), "feuille"))
    assert all(t.startswith("'") for t in texts if t not in ("texte", "n"))
    headers = export.csv_bytes(Sheet([values[0], "n"], [])).decode("utf-8-sig")
    assert headers.startswith("'") or headers.startswith("\"'")


def test_a_link_in_a_source_value_stays_text() -> None:
    content = export.xlsx_bytes(_sheet(["http://phish.example/login", "https://x.example"]), "s")
    assert "http://phish.example/login" in _xlsx_texts(content)  # text, and no <hyperlink>


@FAST
@given(st.lists(dangerous, min_size=1, max_size=4))
@example([*EXAMPLES, "http://phish.example/login"])
def test_report_xlsx(values: list[str]) -> None:
    table = Table(
        title=values[0],
        columns=(Column("k", values[-1], "value"), Column("n", "Effectif")),
        rows=tuple((v, 12) for v in values),
    )
    report = Report(
        kind="ars",
        scope="region",
        title=values[0],
        subtitle="s",
        year=2013,
        network="RRC",
        snapshot="x",
        generated_at="2013-01-01T00:00:00",
        quality="ok",
        threshold=11,
        secrecy=True,
        sections=(Section(title="Activité", sheet="Activité", blocks=(table,), intro=values[0]),),
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = xlsx.render(report, Path(tmp) / "r.xlsx")
        texts = _xlsx_texts(path.read_bytes())
    for v in values:
        if v.startswith(FORMULA_START):
            assert v not in texts and ("'" + v) in texts


@FAST
@given(st.lists(dangerous, min_size=1, max_size=5))
@example(EXAMPLES)
def test_cohort_csv_and_parquet(values: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, parquet_path = Path(tmp) / "patients.csv", Path(tmp) / "patients.parquet"
        writer.csv(_frame(values), csv_path)
        writer.parquet(_frame(values), parquet_path, {"rrc.table": "patients"})
        _check_csv(csv_path.read_bytes(), values, ",")
        assert pl.read_parquet(parquet_path)["texte"].to_list() == ["'" + v for v in values]


@given(st.text(max_size=20).filter(lambda s: not s.startswith(FORMULA_START)))
def test_other_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value
    assert export.xlsx_bytes(_sheet([value or "x"]), "s")  # writes
