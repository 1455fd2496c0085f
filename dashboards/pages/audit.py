"""Journal d'audit (administrators): logins, refusals, exports, cohort extractions, reports."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html
from dash.dash_table.DataTable import DataTable

from access import audit
from access.policy import current

dash.register_page(__name__, path="/audit", name="Journal d'audit", order=8)

ACTIONS = {
    "login": "Connexion",
    "logout": "Déconnexion",
    "denied": "Accès refusé",
    "unauthenticated": "Requête sans session",
    "csrf": "Requête d'un autre site ou sans jeton",
    "lockout": "Verrouillage après échecs",
    "export": "Exportation de données",
    "data_docs": "Lecture des Data Docs",
    "cohort_extract": "Extraction de cohorte",
    "report": "Rapport",
    "audit_draw": "Tirage d'audit de pratiques",
    "audit_sheet": "Grille de réponses d'audit",
    "audit_import": "Import des réponses d'audit",
    "user_add": "Compte créé",
    "user_disable": "Compte désactivé",
    "user_unlock": "Compte déverrouillé",
    "user_password": "Mot de passe changé",
    "totp_enrol": "Second facteur enrôlé",
    "totp_reset": "Second facteur réinitialisé",
}
BROKEN = {
    "chain": "une ligne a été modifiée, insérée ou supprimée, ou la chaîne refaite sans sa clé",
    "truncated": "des dernières lignes ont été supprimées",
    "anchor": "l'ancre externe ne correspond plus au journal (ou a disparu)",
}
OUTCOMES = {
    "ok": "réussi",
    "refused": "refusé",
    "failed": "échec",
    "locked": "compte verrouillé",
    "throttled": "ralenti (trop d'échecs)",
    "unknown": "inconnu",
}
DETAIL = {
    "reason": "motif",
    "filters": "filtres",
    "snapshot": "instantané",
    "method": "méthode",
    "origin": "origine",
}
COLUMNS = [
    ("at_utc", "Date (UTC)"),
    ("actor", "Qui"),
    ("role", "Rôle"),
    ("action", "Action"),
    ("target", "Objet"),
    ("outcome", "Résultat"),
    ("address", "Depuis"),
    ("detail", "Détail"),
]


def rows(action: str | None, limit: int = 1000) -> list[dict[str, object]]:
    """The latest lines of the trail, newest first (administrators only)."""
    current().require("audit", "read the audit trail")
    return [
        {
            "at_utc": e.at_utc,
            "actor": e.actor,
            "role": e.role or "",
            "action": ACTIONS.get(e.action, e.action),
            "target": e.target,
            "outcome": OUTCOMES.get(e.outcome, e.outcome),
            "address": e.address,
            "detail": ", ".join(f"{DETAIL.get(k, k)} = {v}" for k, v in sorted(e.detail.items())),
        }
        for e in audit.entries(limit, action)
    ]


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H2("Journal d'audit"),
            html.P(
                "Connexions (réussies ou non), accès refusés, exports, extractions de cohortes "
                "et rapports, en temps universel. Le journal est en ajout seul ; chaque ligne "
                "porte un code d'intégrité (HMAC, clé gardée hors de la base) qui couvre la "
                "précédente, et la dernière est recopiée dans une ancre hors de la base."
            ),
            dcc.Dropdown(
                [{"label": v, "value": k} for k, v in ACTIONS.items()],
                None,
                id="audit-action",
                placeholder="Toutes les actions",
                style={"maxWidth": "320px"},
            ),
            html.Div(id="audit-integrite", className="tile-note"),
            DataTable(
                id="audit-journal",
                style_table={"overflowX": "auto"},
                columns=[{"name": label, "id": key} for key, label in COLUMNS],
                page_size=25,
                sort_action="native",
                filter_action="native",
                filter_options={"case": "insensitive", "placeholder_text": "filtrer…"},
                style_cell={"textAlign": "left", "fontSize": "0.8rem"},
            ),
        ]
    )


@callback(
    Output("audit-journal", "data"),
    Output("audit-integrite", "children"),
    Input("audit-action", "value"),
)
def update(action: str | None) -> tuple[list[dict[str, object]], str]:
    data = rows(action)
    try:
        checked = f"Chaîne d'intégrité vérifiée : {audit.verify().lines} lignes intactes."
    except audit.AuditBroken as exc:
        checked = f"ALERTE : journal altéré à la ligne {exc.seq} : {BROKEN[exc.kind]}."
    return data, checked
