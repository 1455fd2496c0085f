"""Value sets of the CI-SIS volets (IHE SVS files, `config/vocabulary/cda/`), read with lxml.

A value set is a list of concepts (code, code system, label). A CDA mapping names, per field, the
value set its code must belong to; `check` says why a code is not in it, in French, with the
value set's name and OID, so that the row is quarantined with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from rrc.errors import ConfigError
from rrc.settings import config_dir

SVS = "urn:ihe:iti:svs:2008"


@dataclass(frozen=True)
class ValueSet:
    name: str
    oid: str
    concepts: dict[str, str]  # code -> display name

    def check(self, column: str, code: str | None) -> str | None:
        """None when the code is absent (not recorded) or in the value set, else the reason."""
        if code is None or code in self.concepts:
            return None
        return f"{column} : code « {code} » absent du jeu de valeurs {self.name} ({self.oid})"


def folder(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / "vocabulary" / "cda"


@cache
def _read(path: Path) -> ValueSet:
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as exc:
        raise ConfigError(
            f"value set {path.name} cannot be read: {exc}",
            hint=f"put the agency's SVS file back in {path.parent}",
        ) from exc
    vs = tree.find(f"{{{SVS}}}ValueSet")
    if vs is None:
        raise ConfigError(f"{path.name} is not an IHE SVS value set (no ValueSet element)")
    concepts = {
        c.get("code", ""): c.get("displayName", "")
        for c in vs.iter(f"{{{SVS}}}Concept")
        if c.get("code")
    }
    return ValueSet(vs.get("displayName") or path.stem, vs.get("id", ""), concepts)


def load(name: str, directory: Path | None = None) -> ValueSet:
    """The value set `name` (its file `<name>.xml`)."""
    path = folder(directory) / f"{name}.xml"
    if not path.exists():
        raise ConfigError(
            f"value set {name} not found: no {path}",
            hint="copy the agency's SVS file into config/vocabulary/cda/ or correct the name "
            "in the mapping's [tables.<table>.valuesets]",
        )
    return _read(path)
