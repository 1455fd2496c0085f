"""The auditor: every cell an ARS user can download is recomputed from the unmasked figures, and
no small count of patients is visible or can be worked out from what is.

It reads the exports as the ARS user gets them (the same data as the charts) and as an
administrator gets them (nothing masked), and checks, independently of the masking code:
- every visible cell equals the true value;
- no count of individuals between 1 and 10 is visible;
- within a series (whose total is published elsewhere) there is never exactly one masked cell;
- where one chart splits another's bars (registered + discussed = dossiers of the month), never
  exactly one of the total and its parts is masked.
"""

from __future__ import annotations

import io

import polars as pl

from tests.dashboards.test_auth import client
from warehouse.read import catalogue

THRESHOLD = 11
CHARTS = [(page, chart) for page, charts in catalogue.load().charts.items() for chart in charts]
# charts that count no individuals (sessions, specialties of sessions): never masked
NOT_INDIVIDUALS = {("activite", "seances"), ("activite", "calendrier"), ("quorum", "specialites")}
# charts of rates: masked with the counts they are made of (tests/warehouse/test_secrecy.py)
RATES = {("quorum", "tracabilite")}
# chart: (chart whose bars it splits, month by month)
SPLITS = {
    ("activite", "statut"): ("activite", "mensuel"),
    ("activite", "mode"): ("activite", "mensuel"),
    ("activite", "presentation"): ("activite", "mensuel"),
}
SEARCHES = ["?annee=2013", "?annee=2013&3c=C3-04", "?annee=2013&organe=sarcome&3c=C3-02"]


def _export(c, page: str, graph: str, search: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """A chart's export: the category first, then one column per series (text as sent)."""
    r = c.get(f"/export/{page}/{graph}.csv{search}")
    assert r.status_code == 200, (page, graph, r.status_code)
    return pl.read_csv(io.BytesIO(r.data), separator=";", infer_schema=False)


def _number(text: str | None) -> float | None:
    return None if text in (None, "") else float(text.replace(",", "."))  # type: ignore[union-attr]


def _is_count(values: list[str | None]) -> bool:
    return all(v in (None, "") or float(v.replace(",", ".")).is_integer() for v in values)


def test_every_published_cell_is_true_and_no_small_count_can_be_recomputed(app) -> None:  # type: ignore[no-untyped-def]
    ars, admin = client(app, "ars1"), client(app, "admin1")
    hidden = f"< {THRESHOLD}"
    masked_cells = visible_cells = checked_months = 0
    for search in SEARCHES:
        shown: dict[tuple[str, str], pl.DataFrame] = {}
        for page, graph in CHARTS:
            truth = _export(admin, page, graph, search)
            seen = _export(ars, page, graph, search)
            key, series = truth.columns[0], truth.columns[1:]
            assert seen.columns == truth.columns, (page, graph)
            for col in series:
                assert hidden not in truth[col].to_list()  # an administrator sees everything
            if (page, graph) in NOT_INDIVIDUALS:  # nothing to mask: shown as it is
                assert seen.sort(key).equals(truth.sort(key))
                continue
            joined = truth.join(
                seen.rename({c: f"{c}__seen" for c in series}),
                on=key,
                how="full",
                coalesce=True,
                nulls_equal=True,
            )
            assert joined.height == truth.height == seen.height, (page, graph)
            for col in series:
                for t, s in zip(joined[col], joined[f"{col}__seen"], strict=True):
                    if s != hidden:
                        assert s == t, (page, graph, search)  # a visible cell is the true one
            if (page, graph) in RATES:
                continue
            for col in series:
                if not _is_count(joined[col].to_list()):
                    continue  # expected cases, rates: no individuals
                masked = [s == hidden for s in joined[f"{col}__seen"]]
                for t, m in zip(joined[col], masked, strict=True):
                    value = _number(t) or 0
                    assert m or not 0 < value < THRESHOLD, (page, graph, col, t)
                if len(masked) > 1:
                    assert sum(masked) != 1, (page, graph, col, search)
                masked_cells += sum(masked)
                visible_cells += len(masked) - sum(masked)
            shown[(page, graph)] = joined
        for part, total in SPLITS.items():
            whole = shown[total]
            key, first = whole.columns[0], whole.columns[1]
            for month, total_seen in zip(whole[key], whole[f"{first}__seen"], strict=True):
                row = shown[part].filter(pl.col(key) == month)
                cells = [row[c].to_list()[0] for c in row.columns if c.endswith("__seen")]
                n_masked = (total_seen == hidden) + sum(c == hidden for c in cells)
                assert n_masked != 1, (part, month, search)
                checked_months += 1
    assert masked_cells > 0 and visible_cells > masked_cells  # the test can fail both ways
    assert checked_months > 0
