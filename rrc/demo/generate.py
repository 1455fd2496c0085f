"""`rrc demo generate`: build the demo networks and write them into their operational stores.

Output folder layout:

    OUT/dcc.sqlite, OUT/vendor_b.sqlite   SQL stores (a) and (b) when --target sqlite
    OUT/sheets/<3C>_activite_<year>.xlsx  store (c)
    OUT/registry/                         store (d): essais_cliniques.json, inclusions.csv
    OUT/directory/                        store (e): FINESS-style extract and network directory
    OUT/defects_manifest.json             every injected defect and where it landed
    OUT/generation.json                   parameters, row counts and checksums of every store
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rrc.demo import defects, stores
from rrc.demo.dataset import Dataset, Scale, build
from rrc.demo.stores import sqlio
from rrc.demo.stores.files import FileStores
from rrc.settings import load_toml


@dataclass(frozen=True)
class Request:
    out: Path
    first_year: int
    last_year: int
    seed: int
    scale: Scale
    target: str = "sqlite"
    clean: bool = False


def parse_years(text: str) -> tuple[int, int]:
    """ "2011-2014" -> (2011, 2014); "2013" -> (2013, 2013)."""
    parts = text.split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1]))
    except ValueError as exc:
        raise ValueError(f"--years must look like 2011-2014, not {text!r}") from exc
    if len(parts) > 2 or first > last or first < 1990 or last > 2100:
        raise ValueError(f"--years must be an increasing range such as 2011-2014, not {text!r}")
    return first, last


def defect_rates(clean: bool) -> dict[str, float]:
    rates = load_toml("demo.toml").get("defects", {})
    return dict.fromkeys(rates, 0.0) if clean else {k: float(v) for k, v in rates.items()}


STEPS_PER_NETWORK = 10  # structure ... spreadsheets, as reported through `progress`


def step_count(scale: Scale) -> int:
    """How many times `generate` calls `progress`, for a progress bar."""
    return STEPS_PER_NETWORK * scale.networks + 1


def generate(req: Request, progress: Callable[[str], None] = lambda _s: None) -> dict[str, Any]:
    """Build each network, inject its defects, append it to every store; return the summary."""
    req.out.mkdir(parents=True, exist_ok=True)
    rates = defect_rates(req.clean)
    urls = stores.sql_urls(req.out, req.target)
    stores.prepare_sql(urls)
    file_stores = FileStores()
    entries: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    written: list[Path] = []
    per_year: dict[str, dict[str, int]] = {}
    for network in range(1, req.scale.networks + 1):

        def step(name: str, network: int = network) -> None:
            progress(
                name
                if req.scale.networks == 1
                else f"network {network}/{req.scale.networks}: {name}"
            )

        ds = build(req.first_year, req.last_year, req.seed, req.scale, network, step)
        step("defects")
        injected = defects.inject(ds, rates, np.random.default_rng([req.seed, network, 1]))
        for store, tables in stores.write_sql(ds, urls, step).items():
            for table, n in tables.items():
                counts.setdefault(store, {}).setdefault(table, 0)
                counts[store][table] += n
        step("spreadsheets")
        written += stores.write_spreadsheets(ds, req.out)
        file_stores.add(ds)
        entries += stores.locate(ds, injected.entries)
        for year, row in calibration(ds).items():
            total = per_year.setdefault(year, dict.fromkeys(row, 0))
            for k, v in row.items():
                total[k] += v
        del ds
    progress("registry, directory, manifest and checksums")
    written += file_stores.write(req.out)
    manifest = {
        "seed": req.seed,
        "years": [req.first_year, req.last_year],
        "scale": {"networks": req.scale.networks, "volume": req.scale.volume},
        "rates": rates,
        "descriptions": defects.DEFECT_CLASSES,
        "counts": {d: sum(1 for e in entries if e["defect"] == d) for d in defects.DEFECT_CLASSES},
        "defects": entries,
    }
    _write_json(req.out / "defects_manifest.json", manifest)
    summary = {
        "seed": req.seed,
        "years": [req.first_year, req.last_year],
        "scale": manifest["scale"],
        "stores": {name: _display_url(url) for name, url in urls.items()},
        "rows": counts,
        "checksums": {**sql_checksums(urls), **file_checksums(req.out, written)},
        "calibration": dict(sorted(per_year.items())),
    }
    _write_json(req.out / "generation.json", summary)
    return summary


def _display_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )


def sql_checksums(urls: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, metadata in stores.SQL_STORES.items():
        for table, value in sqlio.checksums(urls[name], metadata.sorted_tables).items():
            out[f"{name}.{table}"] = value
    return out


def file_checksums(out: Path, files: list[Path]) -> dict[str, Any]:
    return {
        str(p.relative_to(out)): {
            "bytes": p.stat().st_size,
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        }
        for p in sorted(files)
    }


def calibration(ds: Dataset) -> dict[str, Any]:
    """Dossiers and new patients per year, as the generator intended them (tests recount them
    from the stores)."""
    import polars as pl

    fiches = ds["fiches"].filter(~pl.col("deleted"))
    per_year = fiches.group_by(year=pl.col("session_start").dt.year()).agg(
        dossiers=pl.len(), patients=pl.col("patient_id").n_unique()
    )
    new = (
        ds["patients"]
        .filter(pl.col("first_day").is_not_null())
        .group_by(year=pl.col("first_day").dt.year())
        .agg(new_patients=pl.len())
    )
    table = per_year.join(new, on="year", how="left").sort("year")
    return {
        str(r["year"]): {k: r[k] for k in ("dossiers", "patients", "new_patients")}
        for r in table.iter_rows(named=True)
    }
