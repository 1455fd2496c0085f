"""Write a cohort extract into a folder, and replay one from its manifest.

A folder holds `patients`, `dossiers` and `reasons` as Parquet and CSV, `dictionary.yml` and
`manifest.json`. The manifest holds no wall-clock time: what it says follows from the definition,
the snapshot, the requester and the approval reference, so a replay on the same snapshot writes
the same bytes (when and by whom each extraction ran is in the audit trail).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow

from cohorts import attrition, dictionary, query, source, tables, writer
from cohorts.definition import Definition, DefinitionError, from_dict
from cohorts.pseudonym import METHOD
from rrc.errors import RRCError
from warehouse.read.secrecy import load_secrecy

FORMAT = "rrc-cohort-extract/1"
ID = re.compile(r"^cohorte-[0-9a-f]{12}$")
MANIFEST = "manifest.json"
DATA = ("patients", "dossiers", "reasons")
FILES = (*(f"{n}.{ext}" for n in DATA for ext in ("parquet", "csv")), "dictionary.yml")


class ExtractError(RRCError):
    """An extract cannot be written or replayed."""


@dataclass(frozen=True)
class Extract:
    id: str
    folder: Path
    manifest: dict[str, Any]

    @property
    def patients(self) -> int:
        return int(self.manifest["files"]["patients.parquet"]["rows"])


def extract_id(definition: Definition, approval: str, requester: str, snapshot_id: str) -> str:
    material = "\0".join((definition.canonical_json(), approval, requester, snapshot_id))
    return "cohorte-" + hashlib.sha256(material.encode()).hexdigest()[:12]


def _text(value: str, what: str, hint: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 200 or not value.isprintable():
        raise ExtractError(f"the {what} is missing or not a single line of text", hint=hint)
    return value


def _prepare(folder: Path, extract: str) -> None:
    """An empty folder, or one holding this same extract (written again, byte for byte)."""
    if folder.exists():
        found = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        others = [n for n in found if n not in (*FILES, MANIFEST)]
        held = _read(folder / MANIFEST).get("extract_id") if MANIFEST in found else None
        if others or (held and held != extract):
            raise ExtractError(
                f"{folder} already holds other files ({', '.join(others) or held})",
                hint="write the extract into a new or empty folder",
            )
    folder.mkdir(parents=True, exist_ok=True)


def _software() -> dict[str, str]:
    try:
        own = metadata.version("rrc-analytics")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        own = "unknown"
    return {
        "rrc-analytics": own,
        "duckdb": duckdb.__version__,
        "polars": pl.__version__,
        "pyarrow": pyarrow.__version__,
    }


def _attrition(steps: list[attrition.Step]) -> list[dict[str, Any]]:
    return [
        {
            "step": s.step,
            "criterion": s.criterion,
            "condition": s.rule,
            "patients": s.patients.value,
            "dossiers": s.dossiers.value,
        }
        for s in steps
    ]


def write(
    src: source.Source,
    definition: Definition,
    requester: str,
    approval: str,
    folder: Path,
    *,
    nested: bool = False,
) -> Extract:
    """Extract the cohort from snapshot `src` into `folder` (`folder/<extract id>` if nested)."""
    requester = _text(requester, "requester", "name who asks for the extract (--requester)")
    approval = _text(
        approval,
        "approval reference",
        "give the ethics committee or CNIL reference of the study (--approval), e.g. "
        "'CNIL MR-004 2013-117'",
    )
    ident = extract_id(definition, approval, requester, src.id)
    secrecy = load_secrecy()
    con = src.connect()
    try:
        selected = query.selected(con, definition)
        steps = attrition.steps(con, definition, secrecy)  # protected: the manifest is shared
        quality = source.quality_status(con, src.id)
    finally:
        con.close()
    if selected.height == 0:
        raise ExtractError(
            f"the cohort {definition.name!r} is empty: nothing to extract",
            hint="`rrc cohort count` shows which criterion leaves no patient",
        )
    folder = folder / ident if nested else folder
    _prepare(folder, ident)
    built = tables.build(selected, definition, approval)
    files: dict[str, dict[str, Any]] = {}
    meta = {"rrc.extract_id": ident, "rrc.snapshot": src.id, "rrc.format": FORMAT}
    for name, frame in built.items():
        writer.parquet(frame, folder / f"{name}.parquet", {**meta, "rrc.table": name})
        writer.csv(frame, folder / f"{name}.csv")
        for ext in ("parquet", "csv"):
            files[f"{name}.{ext}"] = {"rows": frame.height}
    writer.text(dictionary.render(built.items()), folder / "dictionary.yml")
    files["dictionary.yml"] = {}
    for name, entry in files.items():
        entry.update(sha256=writer.sha256(folder / name), bytes=(folder / name).stat().st_size)
    manifest = {
        "format": FORMAT,
        "extract_id": ident,
        "definition": definition.canonical(),
        "snapshot": src.describe(),
        "quality": quality,
        "requester": requester,
        "approval": approval,
        "unit": "patient: one row per patient in patients, with its index dossier (the earliest "
        "dossier meeting every criterion); every such dossier in dossiers; why, in reasons",
        "pseudonymisation": METHOD,
        "secrecy": {
            "threshold": secrecy.threshold,
            "max_noise": secrecy.max_noise,
            "note": "attrition counts null are masked (1 to threshold-1); the others carry the "
            "noise of their set of patients or dossiers, at most max_noise",
        },
        "attrition": _attrition(steps),
        "files": files,
        "software": _software(),
    }
    writer.text(
        json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n", folder / MANIFEST
    )
    return Extract(ident, folder, manifest)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExtractError(f"cannot read the manifest {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ExtractError(f"{path} is not a JSON manifest: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExtractError(
            f"{path} is not a cohort manifest (format {FORMAT})",
            hint="give the manifest.json of a cohort extract",
        )
    return data


@dataclass(frozen=True)
class Manifest:
    path: Path
    definition: Definition
    requester: str
    approval: str
    snapshot_id: str
    files: dict[str, dict[str, Any]]


def read_manifest(path: Path) -> Manifest:
    data = _read(path)
    try:
        definition = from_dict(data["definition"], f"the definition in {path}")
        return Manifest(
            path,
            definition,
            data["requester"],
            data["approval"],
            data["snapshot"]["id"],
            data["files"],
        )
    except (KeyError, TypeError) as exc:
        raise DefinitionError(f"{path} lacks the field {exc}: it is not a whole manifest") from exc


def differences(manifest: Manifest, extract: Extract) -> list[str]:
    """Files whose bytes differ from those the manifest recorded."""
    made = extract.manifest["files"]
    return sorted(
        name
        for name in set(manifest.files) | set(made)
        if manifest.files.get(name, {}).get("sha256") != made.get(name, {}).get("sha256")
    )
