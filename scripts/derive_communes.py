"""Derive the embedded commune table of the demo region from IGN/INSEE outlines.

Run once by a maintainer (not at run time):

    python scripts/derive_communes.py ../shared/geo demo/data/communes.csv

For each commune it keeps the INSEE code, name, department, polygon centroid and area, assigns the
health territory whose seat is nearest (within the department), and estimates a population: known
2013 figures for the larger towns, the rest of the department's population spread in proportion to
area. The result is a small readable CSV the generator and the boards read.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import sys
from pathlib import Path

DEPARTMENTS = {
    "03": ("allier", 343_000),
    "15": ("cantal", 147_000),
    "43": ("haute-loire", 226_000),
    "63": ("puy-de-dome", 640_000),
}

# (territory code, department, seat name, lat, lon)
TERRITORIES = [
    ("TS01", "03", "Montluçon", 46.340, 2.603),
    ("TS02", "03", "Moulins", 46.566, 3.333),
    ("TS03", "03", "Vichy", 46.127, 3.426),
    ("TS04", "15", "Aurillac", 44.926, 2.440),
    ("TS05", "15", "Mauriac", 45.218, 2.333),
    ("TS06", "15", "Saint-Flour", 45.034, 3.093),
    ("TS07", "43", "Le Puy-en-Velay", 45.043, 3.885),
    ("TS08", "43", "Brioude", 45.294, 3.384),
    ("TS09", "43", "Yssingeaux", 45.143, 4.124),
    ("TS10", "63", "Clermont-Ferrand", 45.777, 3.087),
    ("TS11", "63", "Riom", 45.894, 3.113),
    ("TS12", "63", "Thiers", 45.856, 3.548),
    ("TS13", "63", "Issoire", 45.544, 3.249),
    ("TS14", "63", "Ambert", 45.550, 3.742),
    ("TS15", "63", "Mont-Dore", 45.576, 2.809),
]

KNOWN_POPULATION = {
    "Clermont-Ferrand": 141_400,
    "Cournon-d'Auvergne": 19_500,
    "Chamalières": 17_300,
    "Riom": 18_200,
    "Issoire": 14_000,
    "Thiers": 11_600,
    "Beaumont": 11_100,
    "Aubière": 10_000,
    "Gerzat": 10_200,
    "Pont-du-Château": 11_000,
    "Lempdes": 8_500,
    "Ambert": 6_900,
    "Montluçon": 37_900,
    "Vichy": 25_300,
    "Moulins": 19_800,
    "Cusset": 13_000,
    "Yzeure": 13_000,
    "Domérat": 8_900,
    "Commentry": 6_500,
    "Bellerive-sur-Allier": 8_500,
    "Aurillac": 26_000,
    "Saint-Flour": 6_600,
    "Mauriac": 3_800,
    "Arpajon-sur-Cère": 6_100,
    "Puy-en-Velay": 18_900,
    "Désertines": 4_400,
    "Yssingeaux": 7_100,
    "Brioude": 6_700,
    "Monistrol-sur-Loire": 8_800,
    "Sainte-Sigolène": 5_900,
}


def ring_centroid_area(ring: list[list[float]]) -> tuple[float, float, float]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a /= 2
    if a == 0:
        return ring[0][0], ring[0][1], 0.0
    return cx / (6 * a), cy / (6 * a), abs(a)


def feature_centroid(geometry: dict) -> tuple[float, float, float]:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    best = max((ring_centroid_area(p[0]) for p in polygons), key=lambda t: t[2])
    total = sum(ring_centroid_area(p[0])[2] for p in polygons)
    lon, lat, _ = best
    km2 = total * 111.32 * 111.32 * math.cos(math.radians(lat))
    return lon, lat, km2


def main(geo_dir: Path, out: Path) -> None:
    rows = []
    for dept, (slug, dept_pop) in DEPARTMENTS.items():
        features = json.loads((geo_dir / f"communes-{dept}-{slug}.geojson").read_text())["features"]
        dept_rows = []
        for f in features:
            lon, lat, km2 = feature_centroid(f["geometry"])
            seats = [t for t in TERRITORIES if t[1] == dept]
            territory = min(seats, key=lambda t: (t[3] - lat) ** 2 + ((t[4] - lon) * 0.7) ** 2)
            dept_rows.append(
                {
                    "commune_code": f["properties"]["code"],
                    "commune_name": f["properties"]["nom"],
                    "department_code": dept,
                    "territory_code": territory[0],
                    "lon": round(lon, 5),
                    "lat": round(lat, 5),
                    "area_km2": km2,
                }
            )
        known = sum(KNOWN_POPULATION.get(r["commune_name"], 0) for r in dept_rows)
        rest_area = sum(
            r["area_km2"] for r in dept_rows if r["commune_name"] not in KNOWN_POPULATION
        )
        for r in dept_rows:
            pop = KNOWN_POPULATION.get(r["commune_name"])
            if pop is None:
                pop = max(30, round((dept_pop - known) * r["area_km2"] / rest_area))
            r["population"] = pop
            del r["area_km2"]
        rows.extend(sorted(dept_rows, key=lambda r: r["commune_code"]))
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    territories_out = out.with_name("territories.csv")
    with territories_out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["territory_code", "department_code", "territory_name", "lat", "lon"])
        writer.writerows(TERRITORIES)
    print(f"wrote {len(rows)} communes to {out} and {len(TERRITORIES)} territories")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
