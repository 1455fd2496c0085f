"""Cohorts on behalf of the principal of the current context (`rrc.access.policy.current()`):
the only entry points the CLI and the builder page use.

Every call needs the `cohorts` right (config/access.toml); a refusal is written to the audit
trail, and so is every extraction and replay. Attrition counts are masked for roles without
nominative rights. A role held to its own 3C may only define cohorts within it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rrc.access import audit
from rrc.access.policy import AccessDenied, Principal, current
from rrc.access.secrecy import load_secrecy
from rrc.cohorts import attrition, extract, source
from rrc.cohorts.definition import Definition


def _allowed(what: str, definition: Definition | None = None) -> Principal:
    principal = current()
    try:
        principal.require("cohorts", what)
        own = principal.c3_id
        if own and definition is not None:
            c3 = next((c.value for c in definition.criteria if c.name == "c3"), None)
            if c3 != [own]:
                raise AccessDenied(
                    f"{principal.username} may only define cohorts within 3C {own}",
                    hint=f'put c3 = ["{own}"] in the criteria',
                )
    except AccessDenied as exc:
        audit.record(
            principal.username,
            "denied",
            "cohort",
            "denied",
            role=principal.role.name,
            address=principal.address,
            detail={"what": what, "reason": str(exc).splitlines()[0]},
        )
        raise
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
    threshold = load_secrecy().threshold
    src = source.published(warehouse_dir)
    con = src.connect()
    try:
        steps = attrition.steps(con, definition, threshold if principal.secrecy else None)
    finally:
        con.close()
    return Count(src.id, steps, threshold, principal.secrecy)


@dataclass(frozen=True)
class Done:
    extract: extract.Extract
    seconds: float
    identical: bool | None = None  # replays: whether every file matches the manifest
    differing: tuple[str, ...] = ()


def _record(principal: Principal, done: extract.Extract, detail: dict[str, object]) -> None:
    m = done.manifest
    audit.record(
        principal.username,
        "cohort_extract",
        done.id,
        role=principal.role.name,
        address=principal.address,
        detail={
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
    definition: Definition, requester: str, approval: str, out: Path, warehouse_dir: Path
) -> Done:
    """Write the pseudonymised extract of the cohort into `out`, from the published snapshot."""
    principal = _allowed("extract a cohort", definition)
    started = time.perf_counter()
    done = extract.write(source.published(warehouse_dir), definition, requester, approval, out)
    _record(principal, done, {"replay_of": None})
    return Done(done, time.perf_counter() - started)


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
