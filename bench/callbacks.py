"""Each board callback over HTTP against its own queries run bare in DuckDB.

The app is built in this process once to list its callbacks, write a request body for each (as
the browser posts it) and record, by wrapping `Reader.raw`, which named queries with which
parameters each callback runs. The served boards then answer every body N times over HTTP (a
logged-in client, one request at a time); the limit is the same queries executed N times on a
read-only DuckDB connection to the same warehouse file, rows fetched as Arrow.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dashboards import auth

QueryCall = tuple[str, dict[str, Any]]  # a statement and its bound parameters


@dataclass
class Callback:
    owner: str
    output: str
    body: dict[str, Any]
    queries: list[QueryCall] = field(default_factory=list)
    status: int = 0

    @property
    def label(self) -> str:
        parts = self.output.strip(".").split("...")
        more = f" +{len(parts) - 1}" if len(parts) > 1 else ""
        return f"{self.owner} → {parts[0]}{more}"


def _slot(item: dict[str, Any], owner: str, search: str) -> dict[str, Any]:
    """An input or state as posted: the URL's parts are set, other values left empty."""
    path = owner if owner.startswith("/") else "/"
    values = {"search": search, "pathname": path, "href": f"http://bench{path}{search}"}
    return {"id": item["id"], "property": item["property"], "value": values.get(item["property"])}


def layout_ids(layout: Any) -> list[dict[str, Any]]:
    """The dict ids of the components of a layout as `/_dash-layout` serves it (those a
    pattern-matching callback can address), in the layout's order, as the browser lists them."""
    found: list[dict[str, Any]] = []
    if isinstance(layout, dict):
        props = layout.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), dict):
            found.append(props["id"])
        for value in layout.values():
            found += layout_ids(value)
    elif isinstance(layout, list):
        for value in layout:
            found += layout_ids(value)
    return found


def _matching(pattern: dict[str, Any], ids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ids a wildcard id (`{"page": ["ALL"], "type": "nav"}`) stands for."""
    return [
        i
        for i in ids
        if i.keys() == pattern.keys()
        and all(isinstance(v, list) or i[k] == v for k, v in pattern.items())
    ]


def _expand(entry: dict[str, Any], ids: list[dict[str, Any]], slot: Any) -> Any:
    """A plain entry as it is; a pattern-matching one (its id a JSON object) as the list of the
    components it matches in the layout, as the browser posts an ALL wildcard (the value of an
    `id` property is the id itself)."""
    text = str(entry["id"])
    if not text.startswith("{"):
        return slot(entry)
    out = []
    for found in _matching(json.loads(text), ids):
        posted = slot({**entry, "id": found})
        if entry["property"] == "id" and "value" in posted:
            posted["value"] = found
        out.append(posted)
    return out


def bodies(app: Any, search: str, ids: list[dict[str, Any]] | None = None) -> list[Callback]:
    """A well-formed request body for every server-side callback of the app; `ids` are the dict
    ids of the served layout (`layout_ids`), for the pattern-matching callbacks."""
    ids = ids or []
    found = []
    for output, entry in app.callback_map.items():
        owner = auth.callback_owner(app, output)
        if owner is None or entry.get("callback") is None:
            continue

        def slot(item: dict[str, Any], owner: str = owner) -> dict[str, Any]:
            return _slot(item, owner, search)

        inputs = [_expand(i, ids, slot) for i in entry["inputs"]]
        state = [_expand(s, ids, slot) for s in entry.get("state", [])]
        outputs = [
            _expand(dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)), ids, dict)
            for part in output.strip(".").split("...")
        ]
        multi = output.startswith("..")  # Dash posts a single output as an object, not a list
        body = {
            "output": output,
            "outputs": outputs if multi else outputs[0],
            "inputs": inputs,
            "changedPropIds": [],
        }
        if state:
            body["state"] = state
        found.append(Callback(owner, output, body))
    return found


def record(app: Any, reader: Any, callbacks: list[Callback], cookies: dict[str, str]) -> None:
    """Post each body in process, in the session of `cookies`; keep its status and the
    statements it ran."""
    client = app.server.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    headers = {"X-CSRFToken": cookies.get("_csrf_token", "")}
    calls: list[QueryCall] = []
    original = reader._execute

    def recording(
        sql: str, names: frozenset[str], params: dict[str, Any], empty: bool = False
    ) -> Any:
        """Every statement a callback runs, as bound (the secrecy and scope of the principal
        applied before; what the Reader does around it is the callback's own cost)."""
        if not empty:
            calls.append((sql, {k: v for k, v in params.items() if k in names}))
        return original(sql, names, params, empty=empty)

    reader._execute = recording
    try:
        for cb in callbacks:
            calls.clear()
            response = client.post("/_dash-update-component", json=cb.body, headers=headers)
            cb.status = response.status_code
            cb.queries = list(calls)
    finally:
        del reader._execute


def raw_times(warehouse: Path, queries: list[QueryCall], n: int) -> list[float]:
    """Seconds to run the callback's queries bare, n times."""
    bound = queries
    con = duckdb.connect(str(warehouse), read_only=True)
    times = []
    try:
        for _ in range(n):
            started = time.perf_counter()
            for sql, params in bound:
                con.execute(sql, params).to_arrow_table()
            times.append(time.perf_counter() - started)
    finally:
        con.close()
    return times


def http_times(client: Any, body: dict[str, Any], n: int) -> list[float]:
    """Seconds for each of n POSTs of the body to the served boards (all must answer 200/204)."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, _ = client.callback(body)
        times.append(time.perf_counter() - started)
        if status not in (200, 204):
            raise RuntimeError(f"callback {body['output'][:80]} answered {status}")
    return times
