"""Produce a report: check the year and 3C, read as the report's principal, render PDF and XLSX,
record the report in the audit trail.

The ARS report is read as a principal of role `ars` (aggregates only, small cells masked); a 3C
report as role `c3` with that 3C, which the Reader holds to its own 3C; the network's activity
report as role `rrc` (the network's own figures exact, patients' counts masked or perturbed). The
user name is the operating-system user, prefixed `cli:`.
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from access import audit
from access.policy import Principal, acting_as
from reports import activity, pdf, xlsx
from reports.content import Scope, build
from reports.model import Report
from rrc.errors import RRCError
from rrc.settings import load_toml
from warehouse.read.reader import Reader


class ReportError(RRCError):
    """A report cannot be produced for what was asked (unknown year or 3C)."""


@dataclass(frozen=True)
class Produced:
    report: Report
    pdf: Path
    xlsx: Path
    seconds: float


def username() -> str:
    return f"cli:{getpass.getuser()}"


def scope_for(reader: Reader, kind: str, year: int, c3: str | None) -> Scope:
    """The report's scope, or ReportError naming the valid years and 3Cs. The 3C directory is
    read as the ARS would (names and ids of all 3Cs, no figures)."""
    with acting_as(Principal.of(username(), "ars")):
        years = reader.query("years")["year"].to_list()
        c3s = dict(reader.query("c3_list").rows())
    if year not in years:
        raise ReportError(
            f"no activity for year {year} in the warehouse",
            hint=f"valid years: {', '.join(str(y) for y in sorted(years))}",
        )
    if kind == "3c" and c3 not in c3s:
        raise ReportError(
            f"unknown 3C {c3!r}",
            hint="valid 3Cs: " + "; ".join(f"{k} ({v})" for k, v in sorted(c3s.items())),
        )
    return Scope(kind, year, c3 if kind == "3c" else None, c3s.get(c3 or "", ""))


def produce(
    warehouse_dir: Path, kind: str, year: int, out: Path, c3: str | None = None
) -> Produced:
    """Write `<out>/rapport-<kind>[-<3C>]-<year>.pdf` and `.xlsx` (kind: ars, 3c or activite);
    audit them."""
    started = time.perf_counter()
    reader = Reader(warehouse_dir)
    scope = scope_for(reader, kind, year, c3)
    role = {"ars": "ars", "3c": "c3", "activite": "rrc"}[kind]
    principal = Principal.of(username(), role, scope.c3)
    network = str(load_toml("reports.toml").get("network", "Réseau régional de cancérologie"))
    now = datetime.now().astimezone()
    with acting_as(principal):
        if kind == "activite":
            report = activity.build(reader, year, now, network)
        else:
            report = build(reader, scope, now, network)
    out.mkdir(parents=True, exist_ok=True)
    pdf_path = pdf.render(report, out / f"{report.basename}.pdf")
    xlsx_path = xlsx.render(report, out / f"{report.basename}.xlsx")
    audit.record(
        principal.username,
        "report",
        report.basename,
        role=principal.role.name,
        detail={
            "kind": kind,
            "year": year,
            "c3": scope.c3,
            "snapshot": report.snapshot,
            "files": [pdf_path.name, xlsx_path.name],
        },
    )
    return Produced(report, pdf_path, xlsx_path, time.perf_counter() - started)
