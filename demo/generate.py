"""`rrc demo generate`: build the demo networks and write them into their operational stores.

Output folder layout:

    OUT/dcc.sqlite, OUT/vendor_b.sqlite   SQL stores (a) and (b) when --target sqlite
    OUT/sheets/<3C>_activite_<year>.xlsx  store (c)
    OUT/registry/                         store (d): essais_cliniques.json, inclusions.csv
    OUT/directory/                        store (e): FINESS-style extract and network directory
    OUT/reseau/activite_reseau_<year>.xlsx the coordination team's workbook (network activity)
    OUT/dcc_service/                      the DCC service desk's log (incidents, maintenance...)
    OUT/surveys/                          the CAHLIPSOS survey export and its defects (survey.py)
    OUT/cda/<3C>_<year>.zip               store (h): the national Fiche RCP and PPS documents that
                                          the DCC of a 3C exports (HL7 CDA R2)
    OUT/defects_manifest.json             every injected defect and where it landed
    OUT/generation.json                   parameters, row counts and checksums of every store
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from demo import defects, network, stores, survey
from demo.dataset import Dataset, Scale, build
from demo.reference import clone_network, load_region
from demo.stores import network as network_store
from demo.stores import sqlio
from demo.stores.files import FileStores
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
    # False: the 3Cs whose DCC exports CDA documents are written into the regional DCC database
    # instead, the same rows and defects (their database twin)
    cda: bool = True


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


STEPS_PER_NETWORK = 11  # structure ... CDA documents, as reported through `progress`
WORKERS = 2  # networks built at once when the stores are servers (SQLite takes one writer)


def parallel(req: Request) -> bool:
    return req.scale.networks > 1 and req.target != "sqlite"


def step_count(req: Request) -> int:
    """How many times `generate` calls `progress`, for a progress bar."""
    per_network = 1 if parallel(req) else STEPS_PER_NETWORK
    return per_network * req.scale.networks + 2


@dataclass
class NetworkOutput:
    counts: dict[str, dict[str, int]]
    written: list[Path]
    files: FileStores
    entries: list[dict[str, Any]]
    calibration: dict[str, dict[str, int]]


def _network(
    req: Request,
    network: int,
    rates: dict[str, float],
    urls: dict[str, str],
    progress: Callable[[str], None] = lambda _s: None,
) -> NetworkOutput:
    """Build one network, inject its defects and append it to the stores."""
    ds = build(req.first_year, req.last_year, req.seed, req.scale, network, progress)
    progress("defects")
    injected = defects.inject(ds, rates, np.random.default_rng([req.seed, network, 1]))
    if not req.cda:
        ds.tables["c3"] = ds["c3"].with_columns(pl.col("source_kind").replace("cda", "dcc"))
    counts = stores.write_sql(ds, urls, progress)
    progress("spreadsheets")
    written = stores.write_spreadsheets(ds, req.out)
    progress("CDA documents")
    written += stores.write_cda(ds, req.out)
    files = FileStores()
    files.add(ds)
    return NetworkOutput(
        counts, written, files, stores.locate(ds, injected.entries), calibration(ds)
    )


def _prefixed(progress: Callable[[str], None], n: int, of: int) -> Callable[[str], None]:
    """The progress callback of network `n` of `of`: its steps named with the network."""
    return lambda step: progress(f"network {n}/{of}: {step}")


def generate(req: Request, progress: Callable[[str], None] = lambda _s: None) -> dict[str, Any]:
    """Build each network, inject its defects, append it to every store; return the summary."""
    req.out.mkdir(parents=True, exist_ok=True)
    rates = defect_rates(req.clean)
    urls = stores.sql_urls(req.out, req.target)
    stores.prepare_sql(urls)
    networks = range(1, req.scale.networks + 1)
    outputs: Iterable[NetworkOutput]
    if parallel(req):
        pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
        outputs = pool.map(_network, repeat(req), networks, repeat(rates), repeat(urls))
    else:
        pool = None
        outputs = (
            _network(
                req,
                n,
                rates,
                urls,
                progress if req.scale.networks == 1 else _prefixed(progress, n, req.scale.networks),
            )
            for n in networks
        )
    file_stores = FileStores()
    entries: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    written: list[Path] = []
    per_year: dict[str, dict[str, int]] = {}
    try:
        for n, out in zip(networks, outputs, strict=True):  # in network order: deterministic
            if pool is not None:
                progress(f"network {n}/{req.scale.networks} written")
            for store, tables in out.counts.items():
                for table, rows in tables.items():
                    counts.setdefault(store, {}).setdefault(table, 0)
                    counts[store][table] += rows
            written += out.written
            file_stores.merge(out.files)
            entries += out.entries
            for year, row in out.calibration.items():
                total = per_year.setdefault(year, dict.fromkeys(row, 0))
                for k, v in row.items():
                    total[k] += v
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    progress("the network's own activity: coordination workbook, DCC service log")
    spoilt = _network_activity(req, written)
    progress("registry, directory, manifest and checksums")
    written += file_stores.write(req.out)
    written += survey.write(req.out, req.seed, req.clean)
    manifest = {
        "seed": req.seed,
        "years": [req.first_year, req.last_year],
        "scale": {"networks": req.scale.networks, "volume": req.scale.volume},
        "rates": rates,
        "descriptions": defects.DEFECT_CLASSES,
        "counts": {d: sum(1 for e in entries if e["defect"] == d) for d in defects.DEFECT_CLASSES},
        "defects": entries,
        # rows of the network's activity stores spoilt on purpose (demo/stores/network.py)
        "network_defects": spoilt,
    }
    _write_json(req.out / "defects_manifest.json", manifest)
    sql_statistics(urls)
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


def _network_activity(req: Request, written: list[Path]) -> list[dict[str, Any]]:
    """The network's own activity (the region's network only: one coordination team), its
    calibration year the seed's; adds the files to `written`, returns the rows spoilt."""
    year = int(load_toml("demo.toml")["volume"]["calibration_year"])
    activity = network.build(
        req.first_year, req.last_year, req.seed, year, clone_network(load_region(), 1)
    )
    paths, spoilt = network_store.write(
        activity, req.out, range(req.first_year, req.last_year + 1), year, req.clean
    )
    written += paths
    return spoilt


def _display_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )


def sql_statistics(urls: dict[str, str]) -> None:
    for name, metadata in stores.SQL_STORES.items():
        sqlio.analyze(urls[name], metadata.sorted_tables)


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
