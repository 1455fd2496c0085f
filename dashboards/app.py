"""The Dash app: a thin shell of navigation, global filters and the page container.

Pages live in `dashboards/pages/`; they read data only through `dashboards.data.Reader` over the
published warehouse, read-only. `create_app(warehouse_dir)` returns the app; `server` (Flask) is
what gunicorn serves (`rrc serve`).
"""

from __future__ import annotations

import os
from pathlib import Path

import dash
from dash import Dash, Input, Output, State, ctx, dcc, html
from flask import Response, request, send_from_directory

from dashboards.data import Reader
from dashboards.filters import Filters

READER: Reader | None = None


def reader() -> Reader:
    if READER is None:
        raise RuntimeError("the app was not created with a warehouse (create_app)")
    return READER


def params(search: str | None) -> dict[str, object]:
    """Query parameters of the filters in the URL; the year defaults to the latest one."""
    years = reader().query("years")["year"].to_list()
    return Filters.from_search(search).params(years[0] if years else 0)


def create_app(warehouse_dir: Path) -> Dash:
    global READER
    READER = Reader(warehouse_dir)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        title="RRC — tableaux de bord",
        serve_locally=True,
        suppress_callback_exceptions=True,
    )
    years = reader().query("years")["year"].to_list()
    c3 = reader().query("c3_list")
    organs = reader().query("organ_list")
    establishments = reader().query("establishment_list")
    departments = reader().query("department_list")["department_code"].to_list()
    nav = html.Nav(
        [
            dcc.Link(
                page["name"],
                href=page["relative_path"],
                id=f"nav-{page['module'].split('.')[-1]}",
                className="nav-link",
            )
            for page in dash.page_registry.values()
            if page["module"].split(".")[-1] != "not_found_404"
        ],
        className="nav",
    )
    filters = html.Div(
        [
            html.Label(
                [
                    "Année",
                    dcc.Dropdown(
                        years, years[0] if years else None, id="filtre-annee", clearable=False
                    ),
                ]
            ),
            html.Label(
                [
                    "3C",
                    dcc.Dropdown(
                        [{"label": n, "value": i} for i, n in c3.iter_rows()],
                        None,
                        id="filtre-3c",
                        placeholder="Tous les 3C",
                    ),
                ]
            ),
            html.Label(
                [
                    "Organe",
                    dcc.Dropdown(
                        [{"label": lab, "value": o} for o, lab in organs.iter_rows()],
                        None,
                        id="filtre-organe",
                        placeholder="Tous",
                    ),
                ]
            ),
            html.Label(
                [
                    "Établissement",
                    dcc.Dropdown(
                        [{"label": n, "value": f} for f, n in establishments.iter_rows()],
                        None,
                        id="filtre-etablissement",
                        placeholder="Tous",
                    ),
                ]
            ),
            html.Label(
                [
                    "Département de résidence",
                    dcc.Dropdown(departments, None, id="filtre-departement", placeholder="Tous"),
                ]
            ),
        ],
        className="filters",
    )
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.Header([html.H1("Réseau régional de cancérologie"), nav, filters]),
            html.Main(dash.page_container),
        ]
    )

    docs = Path(warehouse_dir) / "data_docs"

    @app.server.route("/export/<page>/<graph>.<fmt>")
    def export_chart(page: str, graph: str, fmt: str):  # type: ignore[no-untyped-def]
        """A chart's data as CSV or XLSX, with the filters of the query string."""
        from dashboards.export import PAGES, render

        if page not in PAGES or fmt not in ("csv", "xlsx"):
            return Response("export inconnu", status=404)
        search = ("?" + request.query_string.decode()) if request.query_string else ""
        try:
            content, mimetype = render(page, graph, fmt, search)
        except KeyError:
            return Response("graphique inconnu", status=404)
        return Response(
            content,
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{page}-{graph}.{fmt}"'},
        )

    @app.server.route("/data-docs/<path:name>")
    def data_docs(name: str):  # type: ignore[no-untyped-def]
        """The Great Expectations Data Docs of the ETL runs (static files, read-only)."""
        return send_from_directory(docs, name)

    pages = [
        p for p in dash.page_registry.values() if p["module"].split(".")[-1] != "not_found_404"
    ]

    @app.callback(
        [Output(f"nav-{p['module'].split('.')[-1]}", "href") for p in pages], Input("url", "search")
    )
    def keep_filters_in_links(search: str | None) -> list[str]:
        """Navigation keeps the filters: they stay set across pages."""
        return [p["relative_path"] + (search or "") for p in pages]

    @app.callback(
        Output("url", "search"),
        Output("filtre-annee", "value"),
        Output("filtre-3c", "value"),
        Output("filtre-organe", "value"),
        Output("filtre-etablissement", "value"),
        Output("filtre-departement", "value"),
        Input("url", "search"),
        Input("filtre-annee", "value"),
        Input("filtre-3c", "value"),
        Input("filtre-organe", "value"),
        Input("filtre-etablissement", "value"),
        Input("filtre-departement", "value"),
        State("filtre-annee", "options"),
    )
    def sync_filters(search, year, c3_id, organ, finess, department, year_options):  # type: ignore[no-untyped-def]
        """Keep the filters and the URL in step, whichever changed."""
        if ctx.triggered_id in (None, "url"):
            f = Filters.from_search(search)
            year = f.year if f.year in (year_options or []) else year
            return search, year, f.c3, f.organ, f.finess, f.department
        chosen = Filters(year, c3_id, organ, finess, department)
        return chosen.to_search(), year, c3_id, organ, finess, department

    return app


def server():  # pragma: no cover - entry point for gunicorn: dashboards.app:server()
    app = create_app(Path(os.environ.get("RRC_WAREHOUSE_DIR", "data/warehouse")))
    return app.server
