"""Cohorts on behalf of the principal of the current context (`access.policy.current()`):
the only entry points the CLI and the builder page use.

Every call needs the `cohorts` right (config/access.toml); a refusal is written to the audit
trail, and so is every extraction and replay. Attrition counts are masked for roles without
nominative rights. A role held to its own 3C may only define cohorts within it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from access import audit
from access.policy import AccessDenied, Principal, current
from cohorts import attrition, extract, source, writer
from cohorts.definition import Definition
from warehouse.read.secrecy import load_secrecy


def _audit(principal: Principal, action: str, target: str, detail: dict[str, object]) -> None:
    outcome = "denied" if action == "denied" else "ok"
    role, address = principal.role.name, principal.address
    audit.record(
        principal.username, action, target, outcome, role=role, address=address, detail=detail
    )


def _deny(principal: Principal, what: str, reason: str) -> NoReturn:
    _audit(principal, "denied", "cohort", {"what": what, "reason": reason})
    raise AccessDenied(f"{principal.username} ({principal.role.name}) may not {what}: {reason}")


def _allowed(what: str, definition: Definition | None = None) -> Principal:
    """The current principal, if it may do `what` with this definition; else audited refusal."""
    principal = current()
    try:
        principal.require("cohorts", what)
    except AccessDenied:
        _deny(principal, what, "the role has no cohorts right (config/access.toml)")
    own = principal.c3_id
    if own and definition is not None:
        c3 = next((c.value for c in definition.criteria if c.name == "c3"), None)
        if c3 != [own]:
            _deny(principal, what, f'a cohort of 3C {own} only: put c3 = ["{own}"] in the criteria')
    return principal


@dataclass(frozen=True)
class Count:
    snapshot: str
    steps: list[attrition.Step]
    threshold: int
    masked: bool

    @property
    def patients(self) -> int | None:
        return self.steps[-1].patients.value


def count(definition: Definition, warehouse_dir: Path) -> Count:
    """The attrition table on the published warehouse, as the current principal may see it."""
    principal = _allowed("count a cohort", definition)
    secrecy = load_secrecy()
    if principal.secrecy:
        _within_budget(principal, secrecy.daily_counts)
    src = source.published(warehouse_dir)
    con = src.connect()
    try:
        steps = attrition.steps(con, definition, secrecy if principal.secrecy else None)
    finally:
        con.close()
    if principal.secrecy:
        _audit(principal, "cohort_count", definition.name, {"snapshot": src.id})
    return Count(src.id, steps, secrecy.threshold, principal.secrecy)


def _within_budget(principal: Principal, daily: int) -> None:
    """A role whose counts carry noise may ask for `daily` counts per 24 hours: enough to build
    a definition, too few to average the noise of overlapping definitions away."""
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    recent = [
        e
        for e in audit.entries(limit=daily + 1000, action="cohort_count")
        if e.actor == principal.username and e.at_utc >= since
    ]
    if len(recent) >= daily:
        _deny(
            principal,
            "count a cohort",
            f"limite de {daily} comptages par 24 heures atteinte (secret statistique : des "
            "définitions voisines répétées permettraient de moyenner le bruit) ; réessayez "
            "demain, ou demandez un accès avec autorisation (CNIL, comité d'éthique)",
        )


@dataclass(frozen=True)
class Done:
    extract: extract.Extract
    seconds: float
    identical: bool | None = None  # replays: whether every file matches the manifest
    differing: tuple[str, ...] = ()


def _record(principal: Principal, done: extract.Extract, detail: dict[str, object]) -> None:
    m = done.manifest
    _audit(
        principal,
        "cohort_extract",
        done.id,
        {
            "definition": m["definition"]["name"],
            "snapshot": m["snapshot"]["id"],
            "requester": m["requester"],
            "approval": m["approval"],
            "patients": done.patients,
            "folder": str(done.folder),
            **detail,
        },
    )


def extract_cohort(
    definition: Definition,
    requester: str,
    approval: str,
    out: Path,
    warehouse_dir: Path,
    *,
    nested: bool = False,
) -> Done:
    """Write the pseudonymised extract of the cohort into `out` (`out/<extract id>` if nested),
    from the published snapshot."""
    principal = _allowed("extract a cohort", definition)
    started = time.perf_counter()
    src = source.published(warehouse_dir)
    done = extract.write(src, definition, requester, approval, out, nested=nested)
    _record(principal, done, {"replay_of": None})
    if nested:
        _add_owner(done.folder, principal.username)
    return Done(done, time.perf_counter() - started)


OWNERS = ".owners"  # who extracted a folder from the builder page (hidden: not in the ZIP)


def _add_owner(folder: Path, username: str) -> None:
    path = folder / OWNERS
    names = set(path.read_text(encoding="utf-8").split()) if path.exists() else set()
    path.write_text("\n".join(sorted(names | {username})) + "\n", encoding="utf-8")


def archive(root: Path, extract_id: str) -> bytes:
    """The ZIP of extract `root/<extract_id>`, for a user who extracted it (or an administrator
    with the audit right); the download is written to the audit trail."""
    principal = _allowed("download a cohort extract")
    folder = root / extract_id
    if not extract.ID.match(extract_id) or not (folder / extract.MANIFEST).exists():
        raise extract.ExtractError(f"no cohort extract {extract_id!r}")
    owners = (folder / OWNERS).read_text(encoding="utf-8").split()
    if principal.username not in owners and not principal.role.audit:
        _deny(principal, "download a cohort extract", f"{extract_id} was extracted by another user")
    data = writer.zip_folder(folder)
    _audit(principal, "export", f"cohortes/{extract_id}.zip", {"bytes": len(data)})
    return data


def choices(warehouse_dir: Path) -> dict[str, list[str]]:
    """Codes the builder page offers where no vocabulary file lists them: 3Cs, departments."""
    _allowed("build a cohort")
    con = source.published(warehouse_dir).connect()
    try:
        return {
            "c3": [
                r[0] for r in con.execute("select c3_id from core.dim_c3 order by 1").fetchall()
            ],
            "department": [
                r[0]
                for r in con.execute(
                    "select distinct residence_department from core.fact_fiche "
                    "where residence_department is not null order by 1"
                ).fetchall()
            ],
        }
    finally:
        con.close()


def replay(
    manifest_path: Path, out: Path, warehouse_dir: Path, snapshot: Path | None = None
) -> Done:
    """Extract again what a manifest describes, on the snapshot it names; say whether every
    file came out byte-identical."""
    manifest = extract.read_manifest(manifest_path)
    principal = _allowed("replay a cohort extract", manifest.definition)
    started = time.perf_counter()
    src = source.for_replay(warehouse_dir, manifest.snapshot_id, snapshot)
    done = extract.write(src, manifest.definition, manifest.requester, manifest.approval, out)
    differing = extract.differences(manifest, done)
    _record(principal, done, {"replay_of": str(manifest_path), "identical": not differing})
    return Done(done, time.perf_counter() - started, not differing, tuple(differing))
