"""Practice audits on behalf of the principal of the current context (`access.policy.current()`):
the only entry points of `rrc audit draw|replay|sheet|import|results` and of the Audits page.

Every call needs the `audits` right (config/access.toml); refusals, draws, answer sheets and
imports are written to the audit trail. A role held to its own 3C draws only within it and sees
only its 3C's draws. The answer sheet is nominative (IPP, establishment, session date) only for
a role with nominative rights; results are masked by statistical secrecy for the others.

Draws live in `<audits dir>/<draw id>/` (RRC_AUDITS_DIR, by default `audits/` beside the
warehouse folder): `manifest.json`, `sample.csv`, `frame.csv`, and after an import
`answers.csv`, `quarantine.csv` and `import.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import polars as pl

from access import audit
from access.policy import AccessDenied, Principal, current
from audits import answers, demo, draw, files, grid, results, sheet, source
from audits.draw import Draw, DrawError, Request
from warehouse.read.catalogue import load as load_catalogue
from warehouse.read.secrecy import load_secrecy

NOMINATIVE_SQL = (Path(__file__).parent / "sql" / "nominative.sql").read_text(encoding="utf-8")
ANSWERS, QUARANTINE, IMPORT = "answers.csv", "quarantine.csv", "import.json"


def root(warehouse_dir: Path) -> Path:
    env = os.environ.get("RRC_AUDITS_DIR")
    return Path(env) if env else warehouse_dir.resolve().parent / "audits"


def _audit(principal: Principal, action: str, target: str, detail: dict[str, object]) -> None:
    outcome = "denied" if action == "denied" else "ok"
    audit.record(
        principal.username,
        action,
        target,
        outcome,
        role=principal.role.name,
        address=principal.address,
        detail=detail,
    )


def _deny(principal: Principal, what: str, reason: str) -> NoReturn:
    _audit(principal, "denied", "audit", {"what": what, "reason": reason})
    raise AccessDenied(f"{principal.username} ({principal.role.name}) may not {what}: {reason}")


def _allowed(what: str, c3: str | None = None) -> Principal:
    """The current principal if it may do `what` on a draw of 3C `c3` (None: network-wide)."""
    principal = current()
    if not principal.role.audits:
        _deny(principal, what, "the role has no audits right (config/access.toml)")
    own = principal.c3_id
    if own and c3 != own:
        scope = f"3C {c3}" if c3 else "the whole network"
        _deny(principal, what, f"a 3C user audits its own 3C ({own}) only, not {scope}")
    return principal


def grid_of(grid_id: str) -> grid.Grid:
    return grid.load(grid_id, set(load_catalogue().indicators))


def new_draw(
    grid_id: str,
    period: str,
    per: str,
    n: int,
    seed: int,
    warehouse_dir: Path,
    c3: str | None = None,
) -> Draw:
    """Draw from the published warehouse; a 3C user's draw is held to its 3C."""
    principal = current()
    c3 = c3 or principal.c3_id
    principal = _allowed("draw an audit sample", c3)
    start, end = draw.period(period)
    request = Request(grid_of(grid_id), start, end, per, n, seed, c3)
    src = source.published(warehouse_dir)
    done = draw.write(src, request, root(warehouse_dir))
    _audit(
        principal,
        "audit_draw",
        done.id,
        {
            "grid": grid_id,
            "snapshot": src.id,
            "c3": c3,
            "per": per,
            "n": n,
            "seed": seed,
            "period": [start.isoformat(), end.isoformat()],
            "drawn": done.drawn,
        },
    )
    return done


@dataclass(frozen=True)
class Replayed:
    draw: Draw
    identical: bool
    differing: tuple[str, ...]


def replay(manifest_path: Path, out: Path, warehouse_dir: Path) -> Replayed:
    """Draw again what a manifest describes, on the snapshot it names, into `out/<draw id>/`;
    say whether every file (the manifest too) came out byte-identical."""
    original = draw.read(manifest_path.parent)
    req = original.manifest["request"]
    principal = _allowed("replay an audit draw", req["c3"])
    g = grid_of(req["grid"])
    if g.sha256 != req["grid_sha256"]:
        raise DrawError(
            f"grid {g.id} changed since draw {original.id} was made",
            hint="restore the grid file as it was (see its history) to replay the draw",
        )
    start, end = draw.period(f"{req['period']['start']}..{req['period']['end']}")
    request = Request(g, start, end, req["per"], int(req["n"]), int(req["seed"]), req["c3"])
    src = source.named(warehouse_dir, original.manifest["snapshot"]["id"])
    if out.resolve() == original.folder.parent.resolve():
        raise DrawError("replay into another folder than the draw's own", hint="--out replays/")
    again = draw.write(src, request, out)
    names = [draw.MANIFEST, draw.SAMPLE, draw.FRAME]
    differing = tuple(
        n for n in names if files.sha256(again.folder / n) != files.sha256(original.folder / n)
    )
    _audit(
        principal,
        "audit_draw",
        again.id,
        {"replay_of": original.id, "identical": not differing, "snapshot": src.id},
    )
    return Replayed(again, not differing, differing)


def _visible(principal: Principal, d: Draw) -> bool:
    return principal.c3_id is None or d.manifest["request"]["c3"] == principal.c3_id


def draws(warehouse_dir: Path) -> list[Draw]:
    """The draws the current principal may see, in the order of their ids."""
    principal = _allowed_any("list audit draws")
    base = root(warehouse_dir)
    found = []
    for folder in sorted(base.glob("audit-*")) if base.exists() else []:
        if draw.ID.match(folder.name) and (folder / draw.MANIFEST).exists():
            d = draw.read(folder)
            if _visible(principal, d):
                found.append(d)
    return found


def _allowed_any(what: str) -> Principal:
    principal = current()
    if not principal.role.audits:
        _deny(principal, what, "the role has no audits right (config/access.toml)")
    return principal


def get(draw_id: str, warehouse_dir: Path) -> Draw:
    folder = root(warehouse_dir) / draw_id
    if not draw.ID.match(draw_id) or not (folder / draw.MANIFEST).exists():
        raise DrawError(f"no audit draw {draw_id!r}", hint="`rrc audit list` shows the draws")
    d = draw.read(folder)
    _allowed("open an audit draw", d.manifest["request"]["c3"])
    return d


@dataclass(frozen=True)
class Sheet:
    data: bytes
    name: str
    nominative: bool


def answer_sheet(draw_id: str, warehouse_dir: Path) -> Sheet:
    """The XLSX answer sheet; nominative for roles entitled to it (audited)."""
    d = get(draw_id, warehouse_dir)
    principal = current()
    g = grid_of(d.manifest["request"]["grid"])
    sample = draw.load_sample(d)
    identities = None
    if principal.role.nominative:
        con = source.published(warehouse_dir).connect()
        try:
            identities = con.execute(NOMINATIVE_SQL, {"fiches": sample["fiche_id"].to_list()}).pl()
        finally:
            con.close()
    data = sheet.build(g, d.id, sample, identities)
    name = f"{d.id}-reponses{'-nominatif' if identities is not None else ''}.xlsx"
    _audit(
        principal,
        "audit_sheet",
        d.id,
        {"nominative": identities is not None, "fiches": sample.height, "file": name},
    )
    return Sheet(data, name, identities is not None)


def import_answers(draw_id: str, data: bytes, name: str, warehouse_dir: Path) -> answers.Imported:
    """Judge a completed sheet and keep its accepted rows as the draw's answers (replacing an
    earlier import); quarantined rows are kept with their reasons."""
    d = get(draw_id, warehouse_dir)
    principal = current()
    g = grid_of(d.manifest["request"]["grid"])
    drawn = draw.load_sample(d)["fiche_id"].to_list()
    try:
        got = answers.read(data, name, g, d.id, drawn)
    except answers.SheetRefused as exc:
        _audit(principal, "audit_import", d.id, {"file": name, "refused": str(exc)})
        raise
    files.csv(got.answers, d.folder / ANSWERS)
    files.csv(got.quarantine, d.folder / QUARANTINE)
    summary = {**got.summary(), "file": name, "sha256": hashlib.sha256(data).hexdigest()}
    files.text(json.dumps(summary, sort_keys=True, indent=2) + "\n", d.folder / IMPORT)
    _audit(principal, "audit_import", d.id, summary)
    return got


def imported(d: Draw) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    """(answers, quarantine, import summary) of a draw; empty before any import."""
    if not (d.folder / ANSWERS).exists():
        return pl.DataFrame({"fiche_id": []}, schema={"fiche_id": pl.String}), pl.DataFrame(), {}
    got = pl.read_csv(d.folder / ANSWERS, infer_schema_length=0)
    quarantine = pl.read_csv(d.folder / QUARANTINE, schema_overrides={"fiche_id": pl.String})
    summary = json.loads((d.folder / IMPORT).read_text(encoding="utf-8"))
    return got, quarantine, summary


def audit_results(draw_id: str, warehouse_dir: Path) -> results.Results:
    """Results of the draw's imported answers, as the current principal may see them."""
    d = get(draw_id, warehouse_dir)
    principal = current()
    g = grid_of(d.manifest["request"]["grid"])
    got, _, _ = imported(d)
    overall, strata = results.compute(d, g, got)
    threshold = load_secrecy().threshold
    if principal.secrecy:
        overall = results.secret(overall, threshold)
        strata = results.secret(strata, threshold)
    return results.Results(d.id, overall, strata, got.height, principal.secrecy, threshold)


def demo_audit(warehouse_dir: Path) -> tuple[Draw, answers.Imported]:
    """The demo's completed audit ([audit] of config/demo.toml): a draw, the sheet its
    simulated auditors completed, imported as any sheet is."""
    p = demo.plan()
    d = new_draw(p.grid, p.period, p.per, p.n, p.seed, warehouse_dir, c3=p.c3)
    g = grid_of(p.grid)
    sample = draw.load_sample(d)
    data = sheet.build(g, d.id, sample, None, demo.answers(g, sample, p))
    return d, import_answers(d.id, data, f"{d.id}-reponses-completees.xlsx", warehouse_dir)
