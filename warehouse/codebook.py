"""A survey's codebook, as data an analyst edits (config/surveys/<survey>.toml): each question,
its type and its answer scale, and how the questionnaire tool's export writes them.

The ETL reads an export with it (pipelines/extract/survey.py: unknown columns, answers outside
their scale, duplicate respondents), the demo writes one from it, and the warehouse keeps it
(`core.dim_survey_question`, `core.dim_survey_option`) so that the boards and reports read the
labels and scales the answers were read with.

Question types:

- `single`   one option of `options` (`code = "label"`, in order);
- `likert`   one option of the ordered `scale` (a `[scales.<name>]` table); its lower half is
             the unfavourable side, its upper half the favourable one (`reverse = true` on the
             scale when the upper end is the unfavourable one: signs of burn-out), the middle
             option of an odd scale neutral;
- `multiple` any of `options`, each in its own column of the export (`[export] option_column`),
             at most `max` of them; `ranked = true` when the cell holds the rank (1..max);
- `number`   a number between `min` and `max` (`integer = true`: whole), counted in the classes
             that `bins` bound (`bins = [35, 45]`: under 35, 35 to 44, 45 and over);
- `text`     free text; `other` the free text that details an option of question `of`
             ("Autre (préciser)"). Free text stays in the staging layer (docs/access.md).
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rrc.errors import ConfigError
from rrc.settings import config_dir

TYPES = ("single", "likert", "multiple", "number", "text", "other")
CHOICE = ("single", "likert", "multiple", "number")  # types counted by option
FREE = ("text", "other")
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
SIDES = ("unfavourable", "neutral", "favourable")

SURVEY_KEYS = {"id", "title", "year", "territory", "profession"}
EXPORT_KEYS = {
    "respondent",
    "extras",
    "option_column",
    "separator",
    "sheet",
    "checked",
    "unchecked",
}
SCALE_KEYS = {"options", "reverse"}
QUESTION_KEYS = {
    "id",
    "section",
    "label",
    "type",
    "options",
    "scale",
    "column",
    "max",
    "ranked",
    "min",
    "integer",
    "bins",
    "unit",
    "of",
}


@dataclass(frozen=True)
class Option:
    code: str  # what the export holds (a number class: its bounds, "35-44")
    label: str
    side: str | None = None  # likert: unfavourable | neutral | favourable
    low: float | None = None  # number classes: [low, high)
    high: float | None = None


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    label: str
    type: str
    column: str  # the export's column (a multiple choice: one per option, see `columns`)
    options: tuple[Option, ...] = ()
    scale: str | None = None
    reverse: bool = False  # likert: the upper end is the unfavourable one
    max_choices: int | None = None
    ranked: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    unit: str = ""
    of: str | None = None  # other: the question whose option it details

    def option(self, code: str) -> Option:
        return next(o for o in self.options if o.code == code)

    def number_class(self, value: float) -> str:
        """The code of the class a number falls in."""
        return next(o.code for o in self.options if o.low is not None and o.high is not None
                    and o.low <= value < o.high)  # fmt: skip


@dataclass(frozen=True)
class Export:
    """How the questionnaire tool writes the answers."""

    respondent: str  # the column naming each respondent, once per survey
    extras: tuple[str, ...] = ()  # columns that are no question: read, not loaded
    option_column: str = "{question}_{option}"  # a multiple choice's column per option
    separator: str = ";"  # CSV exports
    sheet: str | None = None  # XLSX exports: the sheet (default: the first)
    checked: tuple[str, ...] = ("1",)  # an unranked option chosen
    unchecked: tuple[str, ...] = ("0",)  # not chosen (an empty cell too)


@dataclass(frozen=True)
class Codebook:
    id: str
    title: str
    year: int
    path: Path
    territory: str  # the question placing a respondent in a health territory
    profession: str  # the question giving the profession
    export: Export
    questions: tuple[Question, ...] = field(default_factory=tuple)

    def question(self, id_: str) -> Question:
        for q in self.questions:
            if q.id == id_:
                return q
        raise KeyError(f"no question {id_!r} in codebook {self.id}")

    def columns(self, question: Question) -> dict[str, Option | None]:
        """The export columns of a question: {column: the option it holds (multiple choice)}."""
        if question.type != "multiple":
            return {question.column: None}
        pattern = self.export.option_column
        return {
            pattern.format(question=question.column, option=o.code): o for o in question.options
        }

    def all_columns(self) -> dict[str, tuple[Question, Option | None]]:
        """Every column an export of this survey holds, beside the respondent and extras."""
        return {c: (q, o) for q in self.questions for c, o in self.columns(q).items()}

    def sections(self) -> list[str]:
        return list(dict.fromkeys(q.section for q in self.questions))


def _unknown(raw: dict[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(raw) - known)
    if extra:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(extra)}",
            hint=f"settings: {', '.join(sorted(known))} (docs/configuration.md)",
        )


def _options(raw: Any, where: str) -> tuple[Option, ...]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f'{where}: `options` must be a table of code = "label", in order')
    return tuple(Option(str(code), str(label)) for code, label in raw.items())


def _likert(options: tuple[Option, ...], reverse: bool) -> tuple[Option, ...]:
    """The sides of an ordered scale: lower half unfavourable, upper half favourable (the other
    way round with `reverse`), the middle option of an odd scale neutral."""
    n, half = len(options), len(options) // 2
    low, high = ("favourable", "unfavourable") if reverse else ("unfavourable", "favourable")
    sides = [low] * half + ["neutral"] * (n % 2) + [high] * half
    return tuple(Option(o.code, o.label, s) for o, s in zip(options, sides, strict=True))


def _number(value: float, integer: bool) -> str:
    text = f"{value:g}"
    return text if integer or "." not in text else text.replace(".", ",")


def _classes(q: dict[str, Any], where: str) -> tuple[Option, ...]:
    """The classes a number is counted in: `bins` cut [min, max] (an upper class is open)."""
    low, high = q.get("min"), q.get("max")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low >= high:
        raise ConfigError(f"{where}: a number needs `min` < `max`")
    bins = q.get("bins", [])
    if any(not isinstance(b, int | float) for b in bins) or list(bins) != sorted(set(bins)):
        raise ConfigError(f"{where}: `bins` must be increasing numbers")
    if any(b <= low or b > high for b in bins):
        raise ConfigError(f"{where}: every bin must lie above `min` and up to `max`")
    integer, unit = bool(q.get("integer", False)), str(q.get("unit", ""))
    suffix = f" {unit}" if unit else ""
    edges = [float(low), *(float(b) for b in bins), float(high) + (1 if integer else 1e-9)]
    out = []
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        first, last = i == 0, i == len(edges) - 2
        if first and last:
            label = f"{_number(a, integer)} à {_number(high, integer)}{suffix}"
        elif first:
            label = f"moins de {_number(b, integer)}{suffix}"
        elif last:
            label = f"{_number(a, integer)}{suffix} et plus"
        elif integer:
            label = f"{_number(a, True)} à {_number(b - 1, True)}{suffix}"
        else:
            label = f"{_number(a, False)} à moins de {_number(b, False)}{suffix}"
        code = f"{_number(a, integer)}+" if last else f"{_number(a, integer)}-{_number(b, integer)}"
        out.append(Option(code.replace(",", "."), label, None, a, b))
    return tuple(out)


def _question(
    q: dict[str, Any], position: int, scales: dict[str, tuple[tuple[Option, ...], bool]], path: Path
) -> Question:
    qid = q.get("id")
    where = f"{path.name}, question {position} ({qid or 'no id'})"
    _unknown(q, QUESTION_KEYS, where)
    if not isinstance(qid, str) or not IDENT.match(qid):
        raise ConfigError(f"{where}: `id` must be lower-case letters, digits and _")
    qtype = q.get("type")
    if qtype not in TYPES:
        raise ConfigError(f"{where}: type {qtype!r} is not one of {', '.join(TYPES)}")
    for key in ("section", "label"):
        if not isinstance(q.get(key), str) or not q[key].strip():
            raise ConfigError(f"{where}: `{key}` (French text) is missing")
    options: tuple[Option, ...] = ()
    reverse = False
    if qtype in ("single", "multiple"):
        options = _options(q.get("options"), where)
    elif qtype == "likert":
        scale = q.get("scale")
        if scale not in scales:
            raise ConfigError(
                f"{where}: scale {scale!r} is not a [scales.<name>] table",
                hint=f"scales: {', '.join(scales) or 'none'}",
            )
        options, reverse = scales[scale]
    elif qtype == "number":
        options = _classes(q, where)
    elif qtype == "other" and not isinstance(q.get("of"), str):
        raise ConfigError(f"{where}: an `other` text names the question it details with `of`")
    top = q.get("max")
    if qtype == "multiple" and top is not None and (not isinstance(top, int) or top < 1):
        raise ConfigError(f"{where}: `max` must be a positive integer")
    if q.get("ranked") and (qtype != "multiple" or top is None):
        raise ConfigError(f"{where}: `ranked` needs a multiple choice with `max`")
    return Question(
        id=qid,
        section=q["section"].strip(),
        label=q["label"].strip(),
        type=qtype,
        column=str(q.get("column", qid)),
        options=options,
        scale=q.get("scale") if qtype == "likert" else None,
        reverse=reverse,
        max_choices=top if qtype == "multiple" else None,
        ranked=bool(q.get("ranked", False)),
        minimum=float(q["min"]) if qtype == "number" else None,
        maximum=float(q["max"]) if qtype == "number" else None,
        integer=bool(q.get("integer", False)),
        unit=str(q.get("unit", "")),
        of=q.get("of") if qtype == "other" else None,
    )


def parse(raw: dict[str, Any], path: Path) -> Codebook:
    """A codebook from its TOML document; every inconsistency refused, naming the question."""
    _unknown(raw, {"survey", "export", "scales", "questions"}, path.name)
    survey, export = raw.get("survey", {}), raw.get("export", {})
    _unknown(survey, SURVEY_KEYS, f"{path.name} [survey]")
    _unknown(export, EXPORT_KEYS, f"{path.name} [export]")
    sid = survey.get("id")
    if not isinstance(sid, str) or not IDENT.match(sid):
        raise ConfigError(f"{path.name} [survey]: `id` must be lower-case letters, digits and _")
    if not isinstance(survey.get("year"), int):
        raise ConfigError(f"{path.name} [survey]: `year` (the year of the survey) is missing")
    if not isinstance(export.get("respondent"), str):
        raise ConfigError(
            f"{path.name} [export]: `respondent` (the respondent's column) is missing"
        )
    scales = {}
    for name, s in raw.get("scales", {}).items():
        _unknown(s, SCALE_KEYS, f"{path.name} [scales.{name}]")
        opts = _options(s.get("options"), f"{path.name} [scales.{name}]")
        if len(opts) < 2:
            raise ConfigError(f"{path.name} [scales.{name}]: a scale has at least two options")
        reverse = bool(s.get("reverse", False))
        scales[name] = (_likert(opts, reverse), reverse)
    questions = tuple(
        _question(q, i, scales, path) for i, q in enumerate(raw.get("questions", []), start=1)
    )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"{path.name}: question(s) {', '.join(twice)} declared twice")
    for q in questions:
        if q.of is not None and q.of not in ids:
            raise ConfigError(f"{path.name}, question {q.id}: `of` names no question ({q.of!r})")
    book = Codebook(
        id=sid,
        title=str(survey.get("title", sid)),
        year=survey["year"],
        path=path,
        territory=str(survey.get("territory", "")),
        profession=str(survey.get("profession", "")),
        export=Export(
            respondent=export["respondent"],
            extras=tuple(export.get("extras", ())),
            option_column=str(export.get("option_column", Export.option_column)),
            separator=str(export.get("separator", Export.separator)),
            sheet=export.get("sheet"),
            checked=tuple(str(v) for v in export.get("checked", Export.checked)),
            unchecked=tuple(str(v) for v in export.get("unchecked", Export.unchecked)),
        ),
        questions=questions,
    )
    for role in ("territory", "profession"):
        qid = getattr(book, role)
        if qid not in ids or book.question(qid).type != "single":
            raise ConfigError(
                f"{path.name} [survey]: {role} = {qid!r} must name a single-choice question",
                hint="the boards split every answer by health territory and by profession",
            )
    columns = [c for q in questions for c in book.columns(q)]
    columns += [book.export.respondent, *book.export.extras]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise ConfigError(f"{path.name}: export column(s) {', '.join(twice)} used twice")
    return book


def folder() -> Path:
    return config_dir() / "surveys"


def load(name: str, directory: Path | None = None) -> Codebook:
    """The codebook `config/surveys/<name>` (the `.toml` may be left out)."""
    path = (directory or folder()) / (name if name.endswith(".toml") else f"{name}.toml")
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"codebook {path} not found",
            hint="a survey source names its codebook (`codebook` in sources.toml), a file of "
            "config/surveys/",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    return parse(raw, path)
