"""Outlines of the departments and communes for the care-offer map: downloaded once by
`rrc geo fetch` from a configurable address (config/geo.toml) into the data folder, simplified
for the browser, and read by the boards. Nothing here is needed for the map to show points."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

from rrc.errors import RRCError
from rrc.settings import load_toml

TIMEOUT = 30
# the outlines shipped with the boards (scripts/ship_outlines.py): the network's departments and
# communes, so that a fresh install draws the map with no network; `rrc geo fetch` writes
# finer or other regions' into the data folder, which come first
SHIPPED = Path(__file__).parent / "outlines"
ATTRIBUTION = "Contours : IGN ADMIN EXPRESS, INSEE (Licence Ouverte), via france-geojson"


class GeoError(RRCError):
    """Outlines could not be downloaded or read."""


def settings() -> dict[str, Any]:
    return load_toml("geo.toml")


def folder() -> Path:
    """Where the outlines live: RRC_GEO_DIR, else `folder` in config/geo.toml."""
    return Path(os.environ.get("RRC_GEO_DIR") or settings().get("folder", "data/geo"))


def _simplify(geometry: dict[str, Any], step: int = 3) -> dict[str, Any]:
    """Keep one point in `step` (and the ring's ends), rounded to about 10 m: enough for a
    regional map, a fraction of the size."""

    def ring(points: list[list[float]]) -> list[list[float]]:
        kept = points[::step] if len(points) > 4 * step else points
        if kept[-1] != points[-1]:
            kept = [*kept, points[-1]]
        return [[round(x, 4), round(y, 4)] for x, y in kept]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]],
    }


def fetch(base_url: str | None = None) -> list[Path]:
    """Download the department and commune outlines into the data folder."""
    cfg = settings()
    base = (base_url or cfg["base_url"]).rstrip("/")
    out = folder()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("department_file", "communes_file"):
        features = []
        for code, slug in cfg["departments"].items():
            url = f"{base}/{cfg[kind].format(code=code, slug=slug)}"
            try:
                with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                    document = json.loads(response.read().decode("utf-8"))
            except (urllib.error.URLError, TimeoutError, ValueError) as exc:
                raise GeoError(
                    f"cannot download {url}: {exc}",
                    hint="check base_url in config/geo.toml, or the network",
                ) from exc
            for f in document.get("features", [document]):
                features.append(
                    {
                        "type": "Feature",
                        "properties": f.get("properties", {}),
                        "geometry": _simplify(f["geometry"]),
                    }
                )
        path = out / ("departements.geojson" if kind == "department_file" else "communes.geojson")
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
        written.append(path)
    return written


def load(kind: str, shipped: bool = True) -> dict[str, Any] | None:
    """`departements` or `communes` outlines: those fetched into the data folder, else (when
    `shipped`) those shipped with the boards; None when there are none."""
    path = folder() / f"{kind}.geojson"
    if not path.exists():
        path = SHIPPED / f"{kind}.geojson"
        if not shipped or not path.exists():
            return None
    return _read(path, path.stat().st_mtime)


@cache
def _read(path: Path, _mtime: float) -> dict[str, Any]:
    """A file's outlines, read once per version of the file (a map redraw reads them again)."""
    return json.loads(path.read_text(encoding="utf-8"))
