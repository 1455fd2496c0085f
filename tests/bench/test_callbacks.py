"""Request bodies of the benchmark's callbacks, pattern-matching ones included, as Dash takes them.

The benchmark posts each callback of the boards the body the browser would; a callback whose
outputs or states match components by a wildcard id (the shell's navigation links) needs the
ids of the served layout. Here a small Dash app answers the bodies the harness writes.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, dcc, html

from bench.callbacks import _expand, _slot, layout_ids


def _app() -> Dash:
    app = Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.Nav(
                [dcc.Link(p, id={"type": "nav", "page": p}, href=f"/{p}") for p in ("a", "b")]
            ),
            html.Div(id={"type": "other", "page": "c"}),
        ]
    )

    @app.callback(
        Output({"type": "nav", "page": ALL}, "href"),
        Input("url", "search"),
        State({"type": "nav", "page": ALL}, "id"),
    )
    def links(search: str | None, ids: list[dict[str, str]]) -> list[str]:
        return [f"/{i['page']}{search or ''}" for i in ids]

    return app


def test_the_layout_ids_a_wildcard_stands_for() -> None:
    app = _app()
    layout = app.server.test_client().get("/_dash-layout").get_json()
    assert sorted(map(str, layout_ids(layout))) == sorted(
        map(
            str,
            [
                {"type": "nav", "page": "a"},
                {"type": "nav", "page": "b"},
                {"type": "other", "page": "c"},
            ],
        )
    )


def test_a_pattern_matching_callback_answers_the_body_the_harness_writes() -> None:
    app = _app()
    client = app.server.test_client()
    ids = layout_ids(client.get("/_dash-layout").get_json())
    ((output, entry),) = app.callback_map.items()

    def slot(item: dict[str, Any]) -> dict[str, Any]:
        return _slot(item, "/", "?annee=2024")

    pid, prop = output.rsplit(".", 1)
    body = {
        "output": output,
        "outputs": _expand({"id": pid, "property": prop}, ids, dict),
        "inputs": [_expand(i, ids, slot) for i in entry["inputs"]],
        "state": [_expand(s, ids, slot) for s in entry["state"]],
        "changedPropIds": [],
    }
    assert body["outputs"] == [
        {"id": {"type": "nav", "page": "a"}, "property": "href"},
        {"id": {"type": "nav", "page": "b"}, "property": "href"},
    ]
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    hrefs = [v["href"] for v in response.get_json()["response"].values()]
    assert sorted(hrefs) == ["/a?annee=2024", "/b?annee=2024"]
