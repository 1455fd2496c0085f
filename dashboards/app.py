"""The Dash app: a thin shell of navigation, global filters and the page container.

Pages live in `dashboards/pages/`; they read data only through `dashboards.data.reader()`, the
warehouse's read side (`warehouse.read`) over the published snapshot. `create_app(warehouse_dir)`
returns the app; `server()` (Flask) is what gunicorn serves (`rrc serve`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import send_from_directory, session

from access.policy import AccessDenied, current
from dashboards import auth, data, directory, export, public, registry
from dashboards.data import data_date, reader
from dashboards.filters import Filters, months_of
from dashboards.registry import page_module
from rrc.settings import warehouse_dir as configured_warehouse
from warehouse.read import formats
from warehouse.read.catalogue import Period
from warehouse.read.secrecy import notice


def create_app(warehouse_dir: Path) -> Dash:
    data.install(warehouse_dir)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        title="RRC — tableaux de bord",
        serve_locally=True,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    pages = [
        p for p in dash.page_registry.values() if p["module"].split(".")[-1] != "not_found_404"
    ]
    app.layout = lambda: shell(pages)

    docs = Path(warehouse_dir) / "data_docs"

    export.register_routes(app.server)

    @app.server.route("/data-docs/<path:name>")
    def data_docs(name: str):  # type: ignore[no-untyped-def]
        """The Great Expectations Data Docs of the ETL runs (static files, read-only)."""
        return send_from_directory(docs, name)

    @app.callback(
        Output({"type": "nav", "page": ALL}, "href"),
        Input("url", "search"),
        State({"type": "nav", "page": ALL}, "id"),
    )
    def keep_filters_in_links(search: str | None, ids: list[dict[str, str]]) -> list[str]:
        """Navigation keeps the filters (not a page's own parameters): they stay set across
        pages."""
        paths = {str(p["module"]).split(".")[-1]: p["relative_path"] for p in pages}
        filters = Filters.from_search(search).to_search()
        return [paths[i["page"]] + filters for i in ids]

    @app.callback(
        Output("url", "search"),
        Output("filtre-annee", "value"),
        Output("filtre-3c", "value"),
        Output("filtre-organe", "value"),
        Output("filtre-etablissement", "value"),
        Output("filtre-departement", "value"),
        Output("filtre-mois-debut", "value"),
        Output("filtre-mois-fin", "value"),
        Input("url", "search"),
        Input("filtre-annee", "value"),
        Input("filtre-3c", "value"),
        Input("filtre-organe", "value"),
        Input("filtre-etablissement", "value"),
        Input("filtre-departement", "value"),
        Input("filtre-mois-debut", "value"),
        Input("filtre-mois-fin", "value"),
        State("filtre-annee", "options"),
    )
    def sync_filters(search, year, c3_id, organ, finess, department, first, last, year_options):  # type: ignore[no-untyped-def]
        """Keep the filters and the URL in step, whichever changed."""
        own = current().c3_id  # a 3C user's filter stays on its 3C, whatever the URL says
        if ctx.triggered_id in (None, "url"):
            f = Filters.from_search(search)
            year = f.year if f.year in (year_options or []) else year
            first, last = f.months or (None, None)
            # the URL is left as it is: written back, a late answer would undo a change made
            # since (a map layer unchecked while this answer was on its way)
            return no_update, year, own or f.c3, f.organ, f.finess, f.department, first, last
        c3_id = own or c3_id
        if first is not None and last is not None and first > last:  # the range the user meant
            first, last = last, first
        months = months_of(f"{first or 1}-{last or 12}")
        chosen = Filters(year, c3_id, organ, finess, department, months)
        return chosen.to_search(search), year, c3_id, organ, finess, department, first, last

    app.index_string = app.index_string.replace("<html>", '<html lang="fr">', 1)
    directory.register_routes(app.server)
    page_module("/cohortes").register_routes(app.server)
    page_module("/audits-pratiques").register_routes(app.server)
    auth.install(app)
    return app


def shell(pages: list[dict[str, object]]) -> html.Div:
    """The frame around every board, for the user of the request: the boards this role may open,
    the filters (a 3C user's is set to its 3C), who is logged in and the secrecy rule."""
    try:
        principal = current()
    except AccessDenied:  # Dash validates the layout once, outside any user's request
        return html.Div([dcc.Location(id="url"), html.Main(dash.page_container)])
    if principal.is_anonymous:  # the visitor of the public pages: their own frame
        return public.frame()
    allowed = registry.allowed(principal.role)
    years = reader().query("years")["year"].to_list()
    c3 = reader().query("c3_list")
    organs = reader().query("organ_list")
    establishments = reader().query("establishment_list")
    departments = reader().query("department_list")
    label = {k: f.label for k, f in reader().catalogue.filters.items()}
    nav = html.Nav(
        [
            dcc.Link(
                str(page["name"]),
                href=str(page["relative_path"]),
                id={"type": "nav", "page": str(page["module"]).split(".")[-1]},
                className="nav-link",
            )
            for page in allowed
        ],
        className="nav",
    )
    own = principal.c3_id
    filters = html.Div(
        [
            _filter(
                label["year"], "filtre-annee", years, years[0] if years else None, clearable=False
            ),
            *_months(reader().catalogue.period),
            _filter(
                label["c3"],
                "filtre-3c",
                [{"label": n, "value": i} for i, n in c3.iter_rows()],
                own,
                placeholder="Tous les 3C",
                disabled=own is not None,
            ),
            _filter(
                label["organ"],
                "filtre-organe",
                [{"label": lab, "value": o} for o, lab in organs.iter_rows()],
            ),
            _filter(
                label["finess"],
                "filtre-etablissement",
                [{"label": n, "value": f} for f, n in establishments.iter_rows()],
            ),
            _filter(
                label["department"],
                "filtre-departement",
                [{"label": n, "value": d} for d, n in departments.iter_rows()],
            ),
        ],
        className="filters",
    )
    who = html.Div(
        [
            html.Span(f"{principal.username} — {principal.role.label}", id="utilisateur"),
            html.Span(f" ({own})" if own else ""),
            html.Form(  # a POST with the session's token: no link from elsewhere logs out
                [
                    dcc.Input(type="hidden", name="csrf", value=session.get("csrf", "")),
                    html.Button("Se déconnecter", id="deconnexion", className="logout"),
                ],
                method="post",
                action="/logout",
                className="logout-form",
            ),
        ],
        className="who",
    )
    secrecy = (
        html.Div(
            notice(reader().secrecy),
            className="secrecy",
            id="secret-statistique",
        )
        if principal.secrecy
        else None
    )
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.Header([who, html.H1("Réseau régional de cancérologie"), nav, filters]),
            html.Main(
                [
                    html.Div(data_date(), className="data-date", id="date-donnees"),
                    secrecy,
                    dash.page_container,
                ]
            ),
        ]
    )


def _months(period: Period) -> list[html.Label]:
    """The months of the year, from one to another (empty: the whole year)."""
    months = [{"label": m, "value": i} for i, m in enumerate(formats.MONTHS, start=1)]
    return [
        _filter(period.start, "filtre-mois-debut", months, placeholder="janv."),
        _filter(period.end, "filtre-mois-fin", months, placeholder="déc."),
    ]


def _filter(
    label: str,
    id_: str,
    options: list[Any],
    value: Any = None,
    placeholder: str = "Tous",
    clearable: bool = True,
    disabled: bool = False,
) -> html.Label:
    return html.Label(
        [
            label,
            dcc.Dropdown(
                options,
                value,
                id=id_,
                placeholder=placeholder,
                clearable=clearable,
                disabled=disabled,
            ),
        ]
    )


def server():  # pragma: no cover - entry point for gunicorn: dashboards.app:server()
    return create_app(configured_warehouse()).server
