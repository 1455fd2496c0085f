"""The demo region, generated once per test worker, and readers for what it wrote."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from lxml import etree

from demo.dataset import Scale
from demo.generate import Request, generate
from demo.stores import SQL_STORES, sql_urls


@dataclass
class Stores:
    """Reads a generated demo folder back, the way a user of the stores would."""

    out: Path
    urls: dict[str, str]
    summary: dict[str, Any]

    def sql(self, store: str, table: str) -> pl.DataFrame:
        engine = sa.create_engine(self.urls[store])
        try:
            t = SQL_STORES[store].tables[table]
            with engine.connect() as conn:
                return pl.read_database(sa.select(t), conn, infer_schema_length=None)
        finally:
            engine.dispose()

    def sheet(self, sheet: str) -> pl.DataFrame:
        frames = [
            pl.read_excel(
                p, sheet_name=sheet, read_options={"header_row": 1}, infer_schema_length=0
            )
            for p in sorted((self.out / "sheets").glob("*.xlsx"))
        ]
        return pl.concat(frames, how="diagonal_relaxed")

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.out / "defects_manifest.json").read_text(encoding="utf-8"))

    def directory(self, name: str) -> pl.DataFrame:
        return pl.read_csv(
            self.out / "directory" / name, separator=";", encoding="latin-1", infer_schema_length=0
        )

    @cached_property
    def cda(self) -> dict[str, pl.DataFrame]:
        """The CDA store read back with lxml alone (not the pipelines' mapping): `fiches` (the
        latest version of each setId), `pps`, `attendance` (session, RPPS, savoir-faire)."""
        fiches, pps, attendance = [], [], []
        for archive in sorted((self.out / "cda").glob("*.zip")):
            with zipfile.ZipFile(archive) as z:
                for name in z.namelist():
                    doc = etree.fromstring(z.read(name))
                    if name.startswith("frcp/"):
                        row, present = _fiche(doc)
                        fiches.append(row)
                        attendance += [(row["session"], *p) for p in present]
                    else:
                        pps.append(_pps(doc))
        frame = pl.DataFrame(fiches, infer_schema_length=None)
        return {
            "fiches": frame.sort("key", "version").group_by("key", maintain_order=True).last(),
            "pps": pl.DataFrame(pps, infer_schema_length=None),
            "attendance": pl.DataFrame(
                attendance, schema=["session", "rpps", "specialty"], orient="row"
            ).unique(),
        }


V3 = {"h": "urn:hl7-org:v3"}


def _at(doc: Any, path: str) -> str | None:
    found = doc.xpath(path, namespaces=V3)
    return str(found[0]) if found else None


def _day(value: str | None) -> date | None:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if value else None


def _local(doc: Any, code: str, attribute: str = "value") -> str | None:
    return _at(doc, f"//h:observation[h:code/@code = '{code}']/h:value/@{attribute}")


def _patient(doc: Any) -> dict[str, Any]:
    role = "h:recordTarget/h:patientRole"
    finess = _at(doc, f"{role}/h:providerOrganization/h:id/@extension")
    return {
        "ipp": _at(doc, f"{role}/h:id[not(starts-with(@root, '1.2.250.1.213.1.4.'))]/@extension"),
        "finess": finess[1:] if finess else None,
        "ins": _at(doc, f"{role}/h:id[@root = '1.2.250.1.213.1.4.8']/@extension"),
        "birth": _day(_at(doc, f"{role}/h:patient/h:birthTime/@value")),
    }


def _fiche(doc: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    encounter = "h:componentOf/h:encompassingEncounter"
    present = [
        (p.xpath("string(h:associatedEntity/h:id/@extension)", namespaces=V3)[1:],
         p.xpath("string(h:associatedEntity/h:code/@code)", namespaces=V3))
        for p in doc.xpath("h:participant[@typeCode = 'PRF']", namespaces=V3)
    ]  # fmt: skip
    requester = _at(doc, "h:participant[@typeCode = 'REFB']/h:associatedEntity/h:id/@extension")
    row = {
        "key": int(_at(doc, "h:setId/@extension") or 0),
        "version": int(_at(doc, "h:versionNumber/@value") or 0),
        "session": int(
            _at(doc, f"{encounter}/h:id[@root = '1.2.250.1.213.1.1.9']/@extension") or 0
        ),
        "rcp": _at(doc, f"{encounter}/h:id[@root = '1.2.250.1.161.1.20.3.1']/@extension"),
        "day": _day(_at(doc, f"{encounter}/h:effectiveTime/h:low/@value")),
        **_patient(doc),
        "informed": _local(doc, "PATIENT_INFORME"),
        "first": _local(doc, "PREMIERE_PRESENTATION") == "true"
        and _local(doc, "MED-243", "code") == "MED-268",
        "organ": _local(doc, "ORG-118", "code"),
        "icd10": _at(
            doc,
            "h:documentationOf/h:serviceEvent/h:code[@codeSystem = '2.16.840.1.113883.6.3']/@code",
        ),
        "requester": requester[1:] if requester else None,
    }
    return row, present


def _pps(doc: Any) -> dict[str, Any]:
    gp = _at(doc, "h:participant[@typeCode = 'INF']/h:associatedEntity/h:id/@extension")
    return {
        "key": int(_at(doc, "h:setId/@extension") or 0),
        "fiche": int(_at(doc, "//h:externalDocument/h:setId/@extension") or 0),
        "day": _day(_local(doc, "GEN-178")),
        "gp": gp[1:] if gp else None,
        **_patient(doc),
    }


def make_stores(out: Path, **kwargs: Any) -> Stores:
    defaults: dict[str, Any] = {
        "first_year": 2011,
        "last_year": 2014,
        "seed": 2013,
        "scale": Scale.parse("region"),
    }
    defaults.update(kwargs)
    summary = generate(Request(out=out, **defaults))
    target = defaults.get("target", "sqlite")
    return Stores(out, sql_urls(out, target), summary)


@pytest.fixture(scope="session")
def clean_region(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """The same region with no defect injected."""
    return make_stores(tmp_path_factory.mktemp("clean"), clean=True)
