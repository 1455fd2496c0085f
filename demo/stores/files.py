"""Stores (d) and (e): the trial-registry export and the establishment directory.

(d) `registry/essais_cliniques.json` follows the shape of the ClinicalTrials.gov API v2
(`studies[].protocolSection.*Module`); `registry/inclusions.csv` lists inclusions by establishment.
(e) `directory/` is an extract in the style of FINESS: semicolon-separated, latin-1, one record
type per line prefix (`structureet`, `geolocalisation`), plus authorisations, the network's 3C and
RCP directory, and supportive-care providers.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from demo.dataset import Dataset
from demo.stores.partition import identities
from demo.trials import trial_sites

PHASE_STATUS = "COMPLETED"
CATEGORY = {
    "CHU": ("101", "Centre Hospitalier Régional"),
    "CLCC": ("131", "Centre de Lutte Contre Cancer"),
    "CH": ("355", "Centre Hospitalier (C.H.)"),
    "Clinique": ("365", "Etablissement de Soins Pluridisciplinaire"),
}
SURGERY_LABEL = {
    "sein": "Chirurgie des cancers - sein",
    "digestif": "Chirurgie des cancers - digestif",
    "urologie": "Chirurgie des cancers - urologie",
    "thorax": "Chirurgie des cancers - thorax",
    "gynecologie": "Chirurgie des cancers - gynécologie",
    "orl": "Chirurgie des cancers - ORL et maxillo-facial",
    "neuro": "Chirurgie des cancers - autres",
    "endocrine": "Chirurgie des cancers - autres",
    "sarcome": "Chirurgie des cancers - autres",
}


def trial_studies(ds: Dataset) -> dict:
    """The registry as a ClinicalTrials.gov-v2-like document."""
    trials = ds["trials"].sort("trial_id")
    last_day = f"{ds.last_year}-12-31"
    sites = trial_sites(trials, ds["establishments"])
    studies = []
    for t in trials.iter_rows(named=True):  # tens to thousands of trials
        closed = t["close_date"].isoformat() <= last_day
        status = PHASE_STATUS if closed else "RECRUITING"
        studies.append(
            {
                "protocolSection": {
                    "identificationModule": {
                        "nctId": t["trial_id"],
                        "briefTitle": t["title"],
                        "acronym": t["acronym"],
                    },
                    "statusModule": {
                        "overallStatus": status,
                        "startDateStruct": {"date": t["open_date"].isoformat()},
                        "completionDateStruct": {
                            "date": t["close_date"].isoformat(),
                            "type": "ACTUAL" if closed else "ESTIMATED",
                        },
                    },
                    "sponsorCollaboratorsModule": {"leadSponsor": {"name": t["sponsor"]}},
                    "conditionsModule": {
                        "conditions": [t["title"].split(" - ", 1)[1]],
                        "keywords": [t["organ"]],
                    },
                    "designModule": {"phases": [t["phase"]]},
                    "descriptionModule": {"briefSummary": t["synopsis"]},
                    "contactsLocationsModule": {
                        "centralContacts": [{"name": t["contact"], "email": t["contact_email"]}],
                        "locations": [
                            {
                                "facility": site["facility"],
                                "status": status,
                                "city": site["city"],
                                "zip": site["zip"],
                                "country": site["country"],
                                "contacts": [
                                    {
                                        "name": site["contact"],
                                        "role": "CONTACT",
                                        "phone": site["phone"],
                                        "email": site["email"],
                                    }
                                ],
                                "geoPoint": {"lat": site["lat"], "lon": site["lon"]},
                            }
                            for site in sites[t["trial_id"]]
                        ],
                    },
                },
                "rrcSection": {"network": int(t["network"])},
            }
        )
    return {"totalCount": len(studies), "studies": studies}


def inclusions_frame(ds: Dataset) -> pl.DataFrame:
    ident = identities(ds).select("patient_id", "finess", "ipp", "ins")
    return (
        ds["inclusions"]
        .join(ident, on=["patient_id", "finess"], how="left")
        .sort("inclusion_id")
        .select(
            numero_inclusion="inclusion_id",
            nct_id="trial_id",
            finess="finess",
            ins="ins",
            ipp="ipp",
            date_inclusion="inclusion_date",
        )
    )


def _decimal_comma(column: str) -> pl.Expr:
    """A coordinate written the French way (5 decimals, decimal comma)."""
    return pl.col(column).round(5).cast(pl.String).str.replace(".", ",", literal=True)


def _latin1_csv(frame: pl.DataFrame, path: Path, header: bool = True) -> None:
    text = frame.write_csv(separator=";", include_header=header, quote_style="necessary")
    path.write_bytes(text.encode("latin-1", errors="replace"))


def directory_frames(ds: Dataset) -> dict[str, list[pl.DataFrame]]:
    """Each directory file as a list of record blocks (FINESS files mix record types)."""
    est = ds["establishments"].sort("finess")
    communes = ds.reference.communes.select("commune_code", "commune_name")
    est = est.join(communes, on="commune_code", how="left")
    structure = est.select(
        pl.lit("structureet").alias("type"),
        pl.col("finess").alias("nofinesset"),
        pl.col("finess").alias("nofinessej"),
        pl.col("name").alias("rs"),
        pl.col("commune_code").str.slice(2).alias("commune"),
        pl.col("department_code").alias("departement"),
        (pl.col("commune_code") + pl.lit(" ") + pl.col("town").str.to_uppercase()).alias(
            "ligneacheminement"
        ),
        pl.col("category")
        .replace_strict({k: v[0] for k, v in CATEGORY.items()})
        .alias("categetab"),
        pl.col("category")
        .replace_strict({k: v[1] for k, v in CATEGORY.items()})
        .alias("libcategetab"),
        pl.col("c3_id").alias("centre_3c"),
    )
    geo = est.select(
        pl.lit("geolocalisation").alias("type"),
        pl.col("finess").alias("nofinesset"),
        pl.col("lon")
        .round(5)
        .cast(pl.String)
        .str.replace(".", ",", literal=True)
        .alias("coordxet"),
        pl.col("lat")
        .round(5)
        .cast(pl.String)
        .str.replace(".", ",", literal=True)
        .alias("coordyet"),
        pl.lit("WGS84").alias("sourcecoordet"),
    )
    out: dict[str, list[pl.DataFrame]] = {"finess_etablissements.csv": [structure, geo]}

    surgery = (
        est.select("finess", organ=pl.col("surgery").str.split("|"))
        .explode("organ")
        .filter(pl.col("organ").is_not_null() & (pl.col("organ") != ""))
        .with_columns(libmodalite=pl.col("organ").replace_strict(SURGERY_LABEL))
        .select("finess", "libmodalite")
        .unique()
    )
    other = pl.concat(
        [
            est.filter(pl.col("chemotherapy") == 1).select(
                "finess", libmodalite=pl.lit("Chimiothérapie")
            ),
            est.filter(pl.col("radiotherapy") == 1).select(
                "finess", libmodalite=pl.lit("Radiothérapie externe")
            ),
        ]
    )
    auth = (
        pl.concat([surgery, other])
        .sort("finess", "libmodalite")
        .select(
            pl.lit("autorisation").alias("type"),
            pl.col("finess").alias("nofinesset"),
            pl.lit("TRAITEMENT DU CANCER").alias("libactivite"),
            "libmodalite",
            pl.lit("2009-12-14").alias("datemeo"),
        )
    )
    out["finess_autorisations.csv"] = [auth]

    out["reseau_3c.csv"] = [
        ds["c3"]
        .sort("c3_id")
        .select(
            id_3c="c3_id", libelle="name", departement="department_code", logiciel="source_kind"
        )
    ]
    secretariat = ds["c3"].select("c3_id", "secretariat_phone", "secretariat_email", "submission")
    out["reseau_rcp.csv"] = [
        ds["entities"]
        .join(secretariat, on="c3_id", how="left")
        .sort("entity_code")
        .select(
            code_rcp="entity_code",
            libelle="name",
            id_3c="c3_id",
            finess_lieu="finess",
            organes="organs",
            type_rcp="rule_key",
            jour_semaine="weekday",
            periodicite_semaines="every_weeks",
            heure="hour",
            recours="recours",
            # what the public RCP directory shows: how it meets, where, whom to call, how to
            # submit a dossier, and whether its coordinator's name may be published
            modalite="mode",
            autres_lieux=pl.when(pl.col("other_places") != "").then("other_places"),
            coordonnateur="coordinator",
            coordonnateur_public="coordinator_public",
            telephone_secretariat="secretariat_phone",
            courriel_secretariat="secretariat_email",
            inscription="submission",
        )
    ]
    out["communes_territoires.csv"] = [
        ds.reference.communes.sort("commune_code").select(
            code_commune="commune_code",
            libelle_commune="commune_name",
            departement="department_code",
            territoire_sante="territory_code",
            population="population",
            latitude=_decimal_comma("lat"),
            longitude=_decimal_comma("lon"),
        )
    ]
    out["territoires_sante.csv"] = [
        ds.reference.territories.sort("territory_code").select(
            territoire_sante="territory_code",
            libelle="territory_name",
            departement="department_code",
        )
    ]
    out["soins_support.csv"] = [
        ds["supportive_care"]
        .sort("provider_id")
        .select(
            id="provider_id",
            nom="name",
            type="kind",
            libelle_type="kind_label",
            commune="commune_code",
            telephone="phone",
            latitude=_decimal_comma("lat"),
            longitude=_decimal_comma("lon"),
        )
    ]
    return out


class FileStores:
    """Collects the registry and directory of each network, then writes them once."""

    def __init__(self) -> None:
        self.studies: list[dict] = []
        self.inclusions: list[pl.DataFrame] = []
        self.directory: dict[str, list[list[pl.DataFrame]]] = {}

    def add(self, ds: Dataset) -> None:
        self.studies += trial_studies(ds)["studies"]
        self.inclusions.append(inclusions_frame(ds))
        for name, blocks in directory_frames(ds).items():
            self.directory.setdefault(name, []).append(blocks)

    def merge(self, other: FileStores) -> None:
        """Append another network's parts (networks are merged in order)."""
        self.studies += other.studies
        self.inclusions += other.inclusions
        for name, per_network in other.directory.items():
            self.directory.setdefault(name, []).extend(per_network)

    def write(self, out: Path) -> list[Path]:
        registry, directory = out / "registry", out / "directory"
        registry.mkdir(parents=True, exist_ok=True)
        directory.mkdir(parents=True, exist_ok=True)
        studies = registry / "essais_cliniques.json"
        document = {"totalCount": len(self.studies), "studies": self.studies}
        studies.write_text(
            json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        inclusions = registry / "inclusions.csv"
        pl.concat(self.inclusions).write_csv(inclusions)
        paths = [studies, inclusions]
        for name, per_network in self.directory.items():
            path = directory / name
            # one header, then each record type of every network, in network order
            blocks = [pl.concat(list(parts)) for parts in zip(*per_network, strict=True)]
            _latin1_csv(blocks[0], path)
            with path.open("ab") as fh:
                for block in blocks[1:]:
                    fh.write(
                        block.write_csv(separator=";", include_header=False).encode(
                            "latin-1", errors="replace"
                        )
                    )
            paths.append(path)
        return paths
