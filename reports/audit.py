"""The practice-audit report (PDF and XLSX) of one draw, with the renderers of the yearly reports:
the draw (grid, period, strata with their frame and probability), each question's share
compliant with its 95 % interval against the warehouse's figure on every fiche of the frame and
the agreement on the audited fiches, the results by stratum, and the import's quarantine.

It is read on behalf of the current principal (`audits.service`: rights, 3C scope, statistical
secrecy for roles without nominative rights) and recorded in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from access import audit
from access.policy import current
from audits import service
from audits.draw import Draw
from audits.results import Results
from reports import pdf, xlsx
from reports.model import BarChart, Column, Note, Report, Section, Table
from rrc.settings import load_toml

INTERVAL = (
    "Intervalle de confiance à 95 % : exact (Clopper-Pearson) dans une strate ; sur l'ensemble, "
    "proportion pondérée par le plan de sondage (poids N/m de chaque strate) et intervalle de "
    "Korn-Graubard à l'effectif efficace. « Entrepôt » : la même règle appliquée par l'entrepôt "
    "à toutes les fiches du cadre de sondage ; « concordance » : part des fiches auditées où "
    "l'auditeur et l'entrepôt donnent la même réponse."
)


def _draw_section(d: Draw) -> Section:
    m, r = d.manifest, d.manifest["request"]
    facts = Table(
        "Tirage",
        (Column("key", "", "text"), Column("value", "", "text")),
        (
            ("Grille", f"{m['grid']['label']} ({m['grid']['id']})"),
            ("Période", f"du {r['period']['start']} au {r['period']['end']}"),
            ("Périmètre", f"3C {r['c3']}" if r["c3"] else "réseau"),
            ("Strates", m["per"]["label"]),
            ("Fiches tirées par strate", str(r["n"])),
            ("Graine", str(r["seed"])),
            ("Instantané de l'entrepôt", m["snapshot"]["id"]),
            ("Fiches du cadre / tirées", f"{m['frame']} / {m['drawn']}"),
        ),
    )
    strata = Table(
        "Strates : cadre de sondage et probabilités",
        (
            Column("stratum", m["per"]["label"], "text"),
            Column("label", "Libellé", "text"),
            Column("frame", "Fiches du cadre", "count"),
            Column("drawn", "Tirées", "count"),
            Column("probability", "Probabilité (%)", "rate"),
        ),
        tuple(
            (s["stratum"], s["label"], s["frame_size"], s["drawn"], 100 * s["probability"])
            for s in m["strata"]
        ),
        note="Dans chaque strate, les fiches sont ordonnées par SHA-256 (graine, strate, fiche) "
        "et les n premières tirées : le même tirage se rejoue à l'identique.",
    )
    return Section("Le tirage", "Tirage", (facts, strata, _grid(d)))


def _grid(d: Draw) -> Table:
    g = service.grid_of(d.manifest["request"]["grid"])
    return Table(
        "La grille",
        (
            Column("id", "Question", "text"),
            Column("label", "Libellé", "text"),
            Column("rule", "Conforme si", "text"),
            Column("prefill", "Pré-remplie", "text"),
        ),
        tuple((q.id, q.label, q.rule(), "oui" if q.prefill else "non") for q in g.questions),
    )


def _questions(res: Results) -> Section:
    rows = tuple(
        (
            q["label"],
            q["answered"],
            q["compliant"],
            q["pct"],
            q["low"],
            q["high"],
            q["warehouse_pct"] if q["prefilled"] else "—",
            q["agreement_pct"] if q["prefilled"] else "—",
        )
        for q in res.overall.iter_rows(named=True)
    )
    table = Table(
        "Conformité par question (toutes strates)",
        (
            Column("question", "Question", "text"),
            Column("answered", "Réponses", "count"),
            Column("compliant", "Conformes", "count"),
            Column("pct", "Taux (%)", "rate"),
            Column("low", "IC 95 % bas", "rate"),
            Column("high", "IC 95 % haut", "rate"),
            Column("warehouse", "Entrepôt (%)", "value"),
            Column("agreement", "Concordance (%)", "value"),
        ),
        rows,
    )
    both = [q for q in res.overall.iter_rows(named=True) if q["prefilled"]]
    chart = BarChart(
        "Taux de conformité des questions pré-remplies : audit et entrepôt",
        tuple(q["question"] for q in both),
        (
            ("Audit", tuple(q["pct"] for q in both)),
            ("Entrepôt (toutes les fiches du cadre)", tuple(q["warehouse_pct"] for q in both)),
        ),
        unit="%",
        percent=True,
    )
    return Section("Résultats par question", "Questions", (table, chart, Note(INTERVAL)))


def _strata(res: Results, per: str) -> Section:
    blocks: list[Any] = []
    for qid in res.overall["question"].to_list():
        part = res.strata.filter(question=qid)
        blocks.append(
            Table(
                part["label"][0],
                (
                    Column("stratum", per, "text"),
                    Column("returned", "Retournées", "count"),
                    Column("answered", "Réponses", "count"),
                    Column("pct", "Taux (%)", "rate"),
                    Column("low", "IC bas", "rate"),
                    Column("high", "IC haut", "rate"),
                    Column("warehouse", "Entrepôt (%)", "rate"),
                ),
                tuple(
                    (
                        s["stratum_label"],
                        s["returned"],
                        s["answered"],
                        s["pct"],
                        s["low"],
                        s["high"],
                        s["warehouse_pct"],
                    )
                    for s in part.iter_rows(named=True)
                ),
            )
        )
    return Section("Résultats par strate", "Strates", tuple(blocks))


def _import(summary: dict[str, Any], quarantine: list[dict[str, Any]]) -> Section:
    counts = Table(
        "Réponses importées",
        (Column("what", "", "text"), Column("n", "Lignes", "count")),
        (
            ("Lignes lues", summary.get("offered", 0)),
            ("Acceptées", summary.get("accepted", 0)),
            ("En quarantaine", summary.get("quarantined", 0)),
            ("Fiches tirées sans réponse acceptée", summary.get("not_returned", 0)),
        ),
    )
    rows = tuple((q["row"], q["fiche_id"] or "", q["reasons"]) for q in quarantine)
    refused = Table(
        "Lignes en quarantaine",
        (
            Column("row", "Ligne du fichier", "count"),
            Column("fiche", "Fiche", "text"),
            Column("why", "Motifs", "text"),
        ),
        rows,
    )
    return Section("Import des réponses", "Import", (counts, refused))


def build(warehouse_dir: Path, draw_id: str) -> Report:
    """The report as the current principal may see it."""
    d = service.get(draw_id, warehouse_dir)
    res = service.audit_results(draw_id, warehouse_dir)
    _, quarantine, summary = service.imported(d)
    r = d.manifest["request"]
    network = str(load_toml("reports.toml").get("network", "Réseau régional de cancérologie"))
    scope = f"3C {r['c3']}" if r["c3"] else "réseau"
    return Report(
        kind="audit",
        scope=d.id,
        title=f"Audit de pratiques : {d.manifest['grid']['label']}",
        subtitle=f"{scope}, {r['period']['start']} – {r['period']['end']}",
        year=int(r["period"]["end"][:4]),
        network=network,
        snapshot=d.manifest["snapshot"]["id"],
        generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        quality=f"{summary.get('accepted', 0)} réponses acceptées, "
        f"{summary.get('quarantined', 0)} en quarantaine",
        threshold=res.threshold,
        secrecy=res.masked,
        sections=(
            _draw_section(d),
            _questions(res),
            _strata(res, d.manifest["per"]["label"]),
            _import(summary, quarantine.to_dicts() if quarantine.height else []),
        ),
    )


def produce(draw_id: str, warehouse_dir: Path, out: Path) -> tuple[Path, Path]:
    """Write `<out>/rapport-<draw id>.pdf` and `.xlsx`; audit them."""
    report = build(warehouse_dir, draw_id)
    out.mkdir(parents=True, exist_ok=True)
    pdf_path = pdf.render(report, out / f"{report.basename}.pdf")
    xlsx_path = xlsx.render(report, out / f"{report.basename}.xlsx")
    principal = current()
    audit.record(
        principal.username,
        "report",
        report.basename,
        role=principal.role.name,
        address=principal.address,
        detail={"kind": "audit", "draw": draw_id, "files": [pdf_path.name, xlsx_path.name]},
    )
    return pdf_path, xlsx_path
