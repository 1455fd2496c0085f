"""A cohort definition: a name and an ordered list of criteria, read from TOML or JSON.

    name = "Cancers du sein, femmes de 50 à 74 ans, 2013"
    [criteria]                # applied in this order (the attrition table follows it)
    organ = ["sein"]
    period = { start = "2013-01-01", end = "2013-12-31" }
    sex = "F"
    age = { min = 50, max = 74 }

Values are validated and normalised (lists sorted and deduplicated, dates in ISO form), so that
two files meaning the same thing have the same canonical form, hence the same extract id and the
same pseudonyms. A manifest stores the criteria as a list of one-key tables, which keeps their
order under sorted JSON keys; `from_dict` reads both forms.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rrc.errors import ConfigError
from rrc.settings import config_dir


class DefinitionError(ConfigError):
    """A cohort definition cannot be used; the message names the criterion at fault."""


@cache
def vocabulary(name: str) -> tuple[str, ...]:
    """Codes of config/vocabulary/<name>.csv."""
    with (config_dir() / "vocabulary" / f"{name}.csv").open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return tuple(row["code"] for row in csv.DictReader(lines))


@dataclass(frozen=True)
class Spec:
    """One kind of criterion: what it tests (`column`), how (`kind`), in French for the UI."""

    name: str
    label: str
    kind: str  # set | list_any | prefix | range | dates | flag | stage
    column: str
    choices: Callable[[], tuple[str, ...]] | None = None
    pattern: str | None = None
    example: str = ""


ICD10 = r"^[A-Z][0-9]{0,2}(\.?[0-9]{0,2})?$"
SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec("organ", "Organe", "set", "organ", lambda: vocabulary("organs"), None, '["sein"]'),
        Spec("icd10", "CIM-10 (préfixe)", "prefix", "icd10", None, ICD10, '["C50", "D05"]'),
        Spec(
            "period",
            "Période (date de RCP)",
            "dates",
            "rcp_date",
            example='{ start = "2013-01-01", end = "2013-12-31" }',
        ),
        Spec("age", "Âge à la RCP", "range", "age", example="{ min = 50, max = 74 }"),
        Spec("sex", "Sexe", "set", "sex", lambda: ("F", "M"), None, '"F"'),
        Spec(
            "department",
            "Département de résidence",
            "set",
            "residence_department",
            None,
            r"^([0-9]{2,3}|2A|2B)$",
            '["03", "63"]',
        ),
        Spec("c3", "3C", "set", "c3_id", None, r"^[A-Za-z0-9_.-]{1,40}$", '["C3-01"]'),
        Spec("stage", "Stade TNM", "stage", "tnm", example='{ t = ["T3", "T4"], m = ["M0"] }'),
        Spec(
            "treatment",
            "Type de traitement proposé",
            "list_any",
            "treatments",
            lambda: vocabulary("treatments"),
            None,
            '["chirurgie", "radiotherapie"]',
        ),
        Spec("trial_inclusion", "Inclusion dans un essai", "flag", "included_trials", None, None),
        Spec("trial_proposed", "Essai proposé en RCP", "flag", "trial_proposed_id", None, None),
        Spec(
            "quorum",
            "Statut du quorum",
            "set",
            "quorum_status",
            lambda: ("met", "not_met", "unknown"),
            None,
            '["met"]',
        ),
        Spec(
            "case_status",
            "Dossier enregistré ou discuté",
            "set",
            "case_status",
            lambda: ("discute", "enregistre"),
            None,
            '["discute"]',
        ),
    )
}
STAGE = {"t": r"^T(is|X|[0-4][a-d]?)$", "n": r"^N(X|[0-3][a-c]?)$", "m": r"^M(X|[01][a-c]?)$"}


@dataclass(frozen=True)
class Criterion:
    name: str
    value: Any  # normalised: list[str] | dict | bool

    @property
    def spec(self) -> Spec:
        return SPECS[self.name]

    def describe(self) -> str:
        """The criterion in words (French), for the attrition table and the inclusion reasons."""
        v = self.value
        if isinstance(v, bool):
            return "oui" if v else "non"
        if isinstance(v, list):
            return ", ".join(v)
        if self.spec.kind == "range":
            return {
                (True, True): f"{v.get('min')} à {v.get('max')} ans",
                (True, False): f"{v.get('min')} ans et plus",
                (False, True): f"{v.get('max')} ans et moins",
            }[("min" in v, "max" in v)]
        if self.spec.kind == "dates":
            return f"{v.get('start', '…')} → {v.get('end', '…')}"
        return " ".join(f"{k.upper()} ∈ {{{', '.join(x)}}}" for k, x in v.items())


@dataclass(frozen=True)
class Definition:
    name: str
    criteria: tuple[Criterion, ...]
    description: str = ""

    def canonical(self) -> dict[str, Any]:
        """The definition as stored in a manifest (criteria as a list: their order is kept)."""
        return {
            "name": self.name,
            "description": self.description,
            "criteria": [{c.name: c.value} for c in self.criteria],
        }

    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)


def _fail(criterion: str, message: str) -> DefinitionError:
    spec = SPECS.get(criterion)
    hint = f"par exemple : {criterion} = {spec.example}" if spec and spec.example else None
    if spec and spec.kind == "flag":
        hint = f"par exemple : {criterion} = true"
    return DefinitionError(f"critère {criterion!r} : {message}", hint=hint)


def _strings(name: str, value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(x, str) and x.strip() for x in items):
        raise _fail(name, f"une liste non vide de codes est attendue, pas {value!r}")
    return sorted({x.strip() for x in items})


def _set(spec: Spec, value: Any) -> list[str]:
    items = _strings(spec.name, value)
    if spec.name == "icd10":  # C501, c50.1 and C50.1 are the same prefix
        bare = {x.upper().replace(".", "") for x in items}
        items = sorted(x if len(x) <= 3 else f"{x[:3]}.{x[3:]}" for x in bare)
    allowed = spec.choices() if spec.choices else None
    for x in items:
        if allowed is not None and x not in allowed:
            raise _fail(
                spec.name, f"valeur inconnue {x!r} ; valeurs admises : {', '.join(allowed)}"
            )
        if spec.pattern and not re.match(spec.pattern, x):
            raise _fail(spec.name, f"{x!r} n'est pas un code valide ({spec.label})")
    return items


def _bounds(spec: Spec, value: Any, keys: tuple[str, str], parse: Callable[[Any], Any]) -> dict:
    if not isinstance(value, dict) or not value:
        raise _fail(spec.name, f"une table avec {' et/ou '.join(keys)} est attendue, pas {value!r}")
    extra = sorted(set(value) - set(keys))
    if extra:
        raise _fail(spec.name, f"clé inconnue {extra[0]!r} ; utilisez {' et/ou '.join(keys)}")
    out = {}
    for k in keys:
        if k in value:
            try:
                out[k] = parse(value[k])
            except (TypeError, ValueError):
                raise _fail(spec.name, f"{k} = {value[k]!r} n'est pas valide") from None
    low, high = (out.get(k) for k in keys)
    if low is not None and high is not None and low > high:
        raise _fail(spec.name, f"{keys[0]} ({low}) dépasse {keys[1]} ({high})")
    return out


def _age(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 130:
        raise ValueError(v)
    return v


def _date(v: Any) -> str:
    if isinstance(v, dt.datetime):
        raise ValueError(v)
    return (v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))).isoformat()


def _stage(spec: Spec, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not value or set(value) - set(STAGE):
        raise _fail(spec.name, f"une table aux clés parmi t, n, m est attendue, pas {value!r}")
    out = {}
    for k in sorted(value):
        items = _strings(spec.name, value[k])
        for x in items:
            if not re.match(STAGE[k], x):
                raise _fail(spec.name, f"{k} = {x!r} n'est pas une catégorie {k.upper()} du TNM")
        out[k] = items
    return out


def criterion(name: str, value: Any) -> Criterion:
    """A validated, normalised criterion; DefinitionError names it when it is wrong."""
    spec = SPECS.get(name)
    if spec is None:
        raise DefinitionError(
            f"critère inconnu {name!r}", hint=f"critères : {', '.join(SPECS)} (docs/cohorts.md)"
        )
    if spec.kind in ("set", "list_any", "prefix"):
        return Criterion(name, _set(spec, value))
    if spec.kind == "range":
        return Criterion(name, _bounds(spec, value, ("min", "max"), _age))
    if spec.kind == "dates":
        return Criterion(name, _bounds(spec, value, ("start", "end"), _date))
    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise _fail(name, f"true ou false est attendu, pas {value!r}")
        return Criterion(name, value)
    return Criterion(name, _stage(spec, value))


def from_dict(raw: Any, where: str = "la définition") -> Definition:
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where} doit être une table avec name et criteria")
    unknown = sorted(set(raw) - {"name", "description", "criteria"})
    if unknown:
        raise DefinitionError(
            f"{where} : clé inconnue {unknown[0]!r}",
            hint="une définition a name, description et une table [criteria]",
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(f"{where} n'a pas de nom", hint='ajoutez name = "..." en tête')
    items = raw.get("criteria")
    if isinstance(items, dict):
        pairs = list(items.items())
    elif isinstance(items, list) and all(isinstance(i, dict) and len(i) == 1 for i in items):
        pairs = [next(iter(i.items())) for i in items]
    else:
        raise DefinitionError(
            f"{where} n'a pas de critères",
            hint='ajoutez une table [criteria], par exemple organ = ["sein"]',
        )
    if not pairs:
        raise DefinitionError(f"{where} : la table [criteria] est vide")
    seen = [n for n, _ in pairs]
    twice = sorted({n for n in seen if seen.count(n) > 1})
    if twice:
        raise _fail(twice[0], "apparaît deux fois ; donnez chaque critère une seule fois")
    criteria = tuple(criterion(n, v) for n, v in pairs)
    return Definition(name.strip(), criteria, str(raw.get("description", "")).strip())


def load(path: Path) -> Definition:
    """Read a definition from a .toml or .json file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(
            f"impossible de lire la définition de cohorte {path} : {exc.strerror}"
        ) from exc
    try:
        raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(
            f"{path} n'est pas du {path.suffix[1:].upper()} valide : {exc}"
        ) from exc
    return from_dict(raw, str(path))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"


def to_toml(definition: Definition) -> str:
    lines = [f"name = {_toml_value(definition.name)}"]
    if definition.description:
        lines.append(f"description = {_toml_value(definition.description)}")
    lines += ["", "[criteria]"]
    lines += [f"{c.name} = {_toml_value(c.value)}" for c in definition.criteria]
    return "\n".join(lines) + "\n"


def save(definition: Definition, path: Path) -> Path:
    """Write a definition as TOML, or JSON when the file name ends in .json."""
    if path.suffix == ".json":
        text = json.dumps(definition.canonical(), indent=2, sort_keys=True, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
    else:
        path.write_text(to_toml(definition), encoding="utf-8")
    return path
