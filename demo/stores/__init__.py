"""Write the demo dataset into its operational stores, and say where each defect landed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from demo.dataset import Dataset
from demo.stores import cda, dcc, spreadsheets, sqlio, vendor_b
from demo.stores.partition import identities, share_of

SQL_STORES: dict[str, sa.MetaData] = {"dcc": dcc.metadata, "vendor_b": vendor_b.metadata}

# canonical column -> column in each store, for locating defects
FICHE_COLUMNS = {
    "dcc": {
        "patient_informed": "patient_informe",
        "organ": "code_organe",
        "icd10": "cim10",
        "rcp_date": "date_rcp",
        "requesting_prof_id": "id_medecin_demandeur",
        "session_id": "id_seance",
    },
    "vendor_b": {
        "patient_informed": "PATIENT_INFORME",
        "organ": "ORGANE",
        "icd10": "CIM10",
        "rcp_date": "DT_RCP",
        "requesting_prof_id": "MEDECIN_DEMANDEUR",
        "session_id": "NUM_REUNION",
    },
    "spreadsheet": {
        "patient_informed": "Patient informé",
        "organ": "Organe",
        "icd10": "CIM-10",
        "rcp_date": "Date RCP",
        "requesting_prof_id": "Médecin demandeur (RPPS)",
        "session_id": "N° réunion",
    },
    "cda": {
        "patient_informed": "observation PATIENT_INFORME",
        "organ": "observation ORG-118 (appareil)",
        "icd10": "documentationOf/serviceEvent (CIM-10)",
        "requesting_prof_id": "participant REFB",
    },
}
PPS_COLUMNS = {
    "dcc": {"gp_id": "id_medecin_traitant", "delivered_date": "date_remise"},
    "vendor_b": {"gp_id": "MEDECIN_TRAITANT", "delivered_date": "DT_REMISE"},
    "spreadsheet": {"gp_id": "Médecin traitant (RPPS)", "delivered_date": "Remis le"},
    "cda": {"gp_id": "participant INF (PCP)", "delivered_date": "observation GEN-178"},
}


def sql_urls(out: Path, target: str) -> dict[str, str]:
    """Where each SQL store goes: one SQLite file each, or all in the database of a URL."""
    if target == "sqlite":
        return {name: f"sqlite:///{(out / f'{name}.sqlite').resolve()}" for name in SQL_STORES}
    return dict.fromkeys(SQL_STORES, target)


def prepare_sql(urls: dict[str, str]) -> None:
    """Drop and create every table of the SQL stores."""
    for name, metadata in SQL_STORES.items():
        engine = sqlio.make_engine(urls[name])
        try:
            sqlio.recreate(engine, metadata)
        finally:
            engine.dispose()


def write_sql(ds: Dataset, urls: dict[str, str], progress: Callable[[str], None]) -> dict[str, Any]:
    """Append this network's rows to the SQL stores; return rows written per table."""
    counts: dict[str, Any] = {}
    builders = {
        "dcc": lambda: dcc.tables(share_of(ds, "dcc")),
        "vendor_b": lambda: vendor_b.tables(share_of(ds, "vendor_b"), ds.reference),
    }
    for name, metadata in SQL_STORES.items():
        progress(f"store {name}")
        engine = sqlio.make_engine(urls[name])
        try:
            frames = builders[name]()
            counts[name] = {
                table: sqlio.write(engine, metadata.tables[table], frame)
                for table, frame in frames.items()
            }
        finally:
            engine.dispose()
    return counts


def write_spreadsheets(ds: Dataset, out: Path) -> list[Path]:
    return spreadsheets.write_all(ds, out / "sheets")


def write_cda(ds: Dataset, out: Path) -> list[Path]:
    return cda.write_all(ds, out / "cda")


def locate(ds: Dataset, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add to each manifest entry the places (source, table, key, column) it can be found."""
    kind = ds["c3"].select("c3_id", "source_kind")
    wanted = {
        name: {e["key"][name] for e in entries if name in e["key"]}
        for name in ("fiche_id", "pps_id", "session_id")
    }
    pps = ds["pps"].filter(pl.col("pps_id").is_in(list(wanted["pps_id"])))
    pps_fiche = dict(zip(pps["pps_id"], pps["fiche_id"], strict=True))
    fiche_ids = wanted["fiche_id"] | set(pps_fiche.values())
    fiche_place = (
        ds["fiches"]
        .filter(pl.col("fiche_id").is_in(list(fiche_ids)))
        .join(ds["entities"].select("entity_id", "c3_id"), on="entity_id", suffix="_e")
        .join(kind, left_on="c3_id_e", right_on="c3_id")
    )
    fiche_info = {
        r["fiche_id"]: (r["source_kind"], r["c3_id_e"], r["session_start"].year)
        for r in fiche_place.select(
            "fiche_id", "source_kind", "c3_id_e", "session_start"
        ).iter_rows(named=True)
    }
    session_info = {
        r["session_id"]: (r["source_kind"], r["c3_id"], r["session_start"].year)
        for r in ds["sessions"]
        .filter(pl.col("session_id").is_in(list(wanted["session_id"])))
        .join(kind, on="c3_id")
        .select("session_id", "source_kind", "c3_id", "session_start")
        .iter_rows(named=True)
    }
    patients = {e["key"]["patient_id"] for e in entries if "patient_id" in e["key"]}
    ident = _identity_places(ds, patients)
    for e in entries:
        places: list[dict[str, Any]] = []
        if e["table"] == "fiches":
            places.append(
                _fiche_place(
                    fiche_info[e["key"]["fiche_id"]], e["key"]["fiche_id"], e.get("column")
                )
            )
        elif e["table"] == "pps":
            src, c3, year = fiche_info[pps_fiche[e["key"]["pps_id"]]]
            col = PPS_COLUMNS[src][e["column"]]
            key = {
                "dcc": {"id_pps": e["key"]["pps_id"]},
                "vendor_b": {"NUM_PPS": e["key"]["pps_id"]},
                "spreadsheet": {"N° PPS": e["key"]["pps_id"]},
                "cda": {"setId/@extension": e["key"]["pps_id"]},
            }[src]
            places.append(
                {"source": src, "table": _table(src, "pps", c3, year), "key": key, "column": col}
            )
        elif e["table"] == "sessions":
            src, c3, year = session_info[e["key"]["session_id"]]
            key = {
                "dcc": {"id_seance": e["key"]["session_id"]},
                "vendor_b": {"NUM_REUNION": e["key"]["session_id"]},
                "spreadsheet": {"N° réunion": e["key"]["session_id"]},
                "cda": {"encompassingEncounter/id (séance)": e["key"]["session_id"]},
            }[src]
            places.append({"source": src, "table": _table(src, "attendance", c3, year), "key": key})
        elif e["table"] in ("patients", "patient_ipp"):
            rows = ident.filter(pl.col("patient_id") == e["key"]["patient_id"])
            if "finess" in e["key"]:
                rows = rows.filter(pl.col("finess") == e["key"]["finess"])
            e["ins"] = rows["ins"][0] if rows.height else None
            places.extend(rows["place"].to_list())
        e["locations"] = places
    return entries


def _table(src: str, what: str, c3: str, year: int) -> str:
    names = {
        "dcc": {"fiche": "fiche_rcp", "pps": "pps", "attendance": "seance_presence"},
        "vendor_b": {"fiche": "ONC_DOSSIER", "pps": "ONC_PPS", "attendance": "ONC_PRESENCE"},
    }
    if src == "spreadsheet":
        sheet = {"fiche": "Dossiers", "pps": "PPS", "attendance": "Présences"}[what]
        return f"sheets/{c3}_activite_{year}.xlsx#{sheet}"
    if src == "cda":
        folder = {"fiche": "frcp", "pps": "pps", "attendance": "frcp (participants)"}[what]
        return f"cda/{c3}_{year}.zip#{folder}"
    return names[src][what]


def _fiche_place(info: tuple[str, str, int], fiche_id: int, column: str | None) -> dict[str, Any]:
    src, c3, year = info
    key = {
        "dcc": {"id_fiche": fiche_id},
        "vendor_b": {"NUM_DOSSIER": fiche_id},
        "spreadsheet": {"N° fiche": fiche_id},
        "cda": {"setId/@extension": fiche_id},
    }[src]
    place: dict[str, Any] = {"source": src, "table": _table(src, "fiche", c3, year), "key": key}
    if column:
        place["column"] = FICHE_COLUMNS[src][column]
    return place


def _identity_places(ds: Dataset, patients: set[int]) -> pl.DataFrame:
    """The (patient, establishment) identities of `patients`, with the stores that record them."""
    keep = pl.col("patient_id").is_in(list(patients))
    ident = identities(ds).filter(keep)
    kinds = ds["c3"].select("c3_id", "source_kind")
    # an identity is recorded by every store whose fiches or PPS use it
    # (CDA exports hold no deleted fiche)
    used = (
        pl.concat(
            [
                ds["fiches"]
                .filter(keep)
                .join(ds["entities"].select("entity_id", "c3_id"), on="entity_id")
                .join(kinds, on="c3_id")
                .filter(~(pl.col("deleted") & (pl.col("source_kind") == "cda")))
                .select("patient_id", "finess", "entity_id"),
                ds["pps"]
                .filter(keep)
                .join(ds["fiches"].select("fiche_id", "entity_id"), on="fiche_id")
                .select("patient_id", "finess", "entity_id"),
            ]
        )
        .join(ds["entities"].select("entity_id", "c3_id"), on="entity_id")
        .join(kinds, on="c3_id")
        .select("patient_id", "finess", "source_kind")
        .unique()
    )
    rows = ident.join(used, on=["patient_id", "finess"]).sort("patient_id", "finess", "source_kind")
    places = [
        {
            "source": s,
            "table": {
                "dcc": "patient_identite",
                "vendor_b": "ONC_MALADE",
                "spreadsheet": "sheets/*#Dossiers",
                "cda": "cda/*.zip#recordTarget",
            }[s],
            "key": (
                {"id_identite": i}
                if s == "dcc"
                else {"NUM_MALADE": ipp, "ETAB": f}
                if s == "vendor_b"
                else {"IPP": ipp, "Établissement (FINESS)": f}
            ),
        }
        for s, i, ipp, f in zip(
            rows["source_kind"], rows["identity_id"], rows["ipp"], rows["finess"], strict=True
        )
    ]
    return rows.select("patient_id", "finess", "ins").with_columns(
        place=pl.Series(places, dtype=pl.Object)
    )
