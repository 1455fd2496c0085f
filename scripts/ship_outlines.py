"""Write the outlines the care-offer map ships with (dashboards/outlines/), simplified as
`rrc geo fetch` simplifies them, from a folder of gregoiredavid/france-geojson files
(`departement-<code>-<slug>.geojson`, `communes-<code>-<slug>.geojson`, for the departments of
config/geo.toml). IGN ADMIN EXPRESS / INSEE, Licence Ouverte (Etalab).

python scripts/ship_outlines.py path/to/france-geojson-files
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dashboards import geo

if __name__ == "__main__":
    source = Path(sys.argv[1])
    geo.SHIPPED.mkdir(exist_ok=True)
    for kind, name in (("departement", "departements"), ("communes", "communes")):
        features = []
        for code, slug in geo.settings()["departments"].items():
            document = json.loads((source / f"{kind}-{code}-{slug}.geojson").read_text("utf-8"))
            features += [
                {
                    "type": "Feature",
                    "properties": f.get("properties", {}),
                    "geometry": geo._simplify(f["geometry"]),
                }
                for f in document.get("features", [document])
            ]
        out = geo.SHIPPED / f"{name}.geojson"
        out.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")),
            encoding="utf-8",
        )
        print(f"wrote {out} ({out.stat().st_size // 1024} KB, {len(features)} outlines)")
