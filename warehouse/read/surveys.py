"""A survey's answers as the boards and reports show them: the distribution of every answer for a
selection of respondents (a health territory, a profession, both, or all), split by territory or
by profession or not, with statistical secrecy on respondent counts.

The warehouse counts answers per territory × profession group (`marts.mart_survey_answers`);
a view adds these groups up. For a role without nominative rights (config/secrecy.toml):

- a group (the selection, or one of its parts) of fewer than `threshold` respondents shows none
  of its answers: the selection is masked whole; in a split view such parts are gathered, with
  the smallest others until together they reach the threshold (`secrecy.gather_small`), into
  « Autres territoires » / « Autres professions » ([surveys] merge = true) or masked with them.
  The selection minus the parts shown alone is then never a small group;
- a question that fewer than `threshold` respondents of a shown group answered is masked there;
- every published count carries the cell-key noise of the platform, keyed by what it counts and
  the exact set of territory × profession groups it covers: the same set reads the same in
  every view, two different sets carry independent noise, so subtracting one view from another
  (a territory split by profession against the profession split by territory, the selection
  minus a part) leaves noise around the answers of the few between them, not their answers.
  A count of respondents is perturbed as any count (never below the threshold); an answer's
  count never reads below 1, and 0 only when it is 0. Shares are computed from the perturbed
  counts.

Roles with nominative rights read every group and exact counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from warehouse.read.secrecy import (
    NOT_RECORDED,
    SecrecyConfig,
    answer_count,
    coordinates_text,
    gather_small,
    perturbed,
)

SELECTION = "*"  # the group of the whole selection
OTHERS = "autres"  # the gathered small groups of a split view
BY = {"territory": "territory_code", "profession": "profession"}
OTHERS_LABEL = {"territory": "Autres territoires", "profession": "Autres professions"}
NOT_RECORDED_LABEL = "non renseigné"
WHOLE = "Ensemble des répondants"
SHARED = ("single", "likert", "number")  # shares of those who answered, summing to 100 %


@dataclass(frozen=True)
class View:
    """What a board or report asks: a survey, a selection (territory, profession; None: all)
    and the split (`by`: "territory", "profession" or None)."""

    survey: str
    by: str | None = None
    territory: str | None = None
    profession: str | None = None

    def __post_init__(self) -> None:
        if self.by is not None and self.by not in BY:
            raise ValueError(f"a survey view splits by territory or profession, not {self.by!r}")


@dataclass(frozen=True)
class Group:
    """A group of respondents as shown: `respondents` None when masked."""

    key: str  # SELECTION, a territory or profession code, NOT_RECORDED, or OTHERS
    label: str
    respondents: int | None
    members: tuple[str, ...] = ()  # OTHERS: the groups gathered in it (their labels)

    @property
    def masked(self) -> bool:
        return self.respondents is None


@dataclass(frozen=True)
class Result:
    """A view's groups and, for each group shown and each question with options, the count and
    share of each option (`answers`: group, question_id, option_code, respondents, answered,
    share in %, masked = too few answered the question in the group)."""

    view: View
    questions: pl.DataFrame  # one row per question, in the questionnaire's order
    options: pl.DataFrame  # question_id, option_code, option_position, option_label, side
    groups: tuple[Group, ...]
    answers: pl.DataFrame
    threshold: int
    max_noise: int | None  # None: exact counts (a role with nominative rights)

    @property
    def perturbed(self) -> bool:
        return self.max_noise is not None

    @property
    def selection(self) -> Group:
        return self.groups[0]

    @property
    def shown(self) -> list[Group]:
        return [g for g in self.groups if not g.masked]

    @property
    def hidden(self) -> list[Group]:
        """Parts of a split view that are not shown on their own (masked, or gathered)."""
        gathered = {m for g in self.groups for m in g.members}
        return [g for g in self.groups[1:] if g.masked] + [
            Group(OTHERS, m, None) for m in sorted(gathered)
        ]

    def question(self, question_id: str) -> dict[str, Any]:
        return self.questions.row(by_predicate=pl.col("question_id") == question_id, named=True)

    def sections(self) -> list[str]:
        return list(dict.fromkeys(self.questions["section"].to_list()))

    def of(self, question_id: str, group: str) -> pl.DataFrame:
        """The options of a question for a group, in the order of the scale, with their label
        and side: option_code, option_label, side, respondents, answered, share, masked (the
        options a protected view gathered are left out, their OTHERS option in)."""
        opts = self.options.filter(pl.col("question_id") == question_id)
        got = self.answers.filter(
            (pl.col("question_id") == question_id) & (pl.col("group") == group)
        ).drop("question_id", "group")
        return opts.join(got, on="option_code", how="inner").sort("option_position")


def _questions(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    keep = [
        "question_id",
        "position",
        "section",
        "label",
        "qtype",
        "max_choices",
        "ranked",
        "reverse",
        "unit",
        "of_question",
        "splits",
    ]
    questions = frame.select(keep).unique("question_id", keep="first", maintain_order=True)
    options = frame.filter(pl.col("option_code").is_not_null()).select(
        "question_id", "option_code", "option_position", "option_label", "side"
    )
    return questions, options


def _others(questions: pl.DataFrame, options: pl.DataFrame) -> pl.DataFrame:
    """The option OTHERS of the questions that define the groups, last of their scale."""
    split = questions.filter(pl.col("splits").is_not_null())
    return pl.DataFrame(
        {
            "question_id": split["question_id"],
            "option_code": [OTHERS] * split.height,
            "option_position": [10_000] * split.height,
            "option_label": [OTHERS_LABEL[d] for d in split["splits"]],
            "side": [None] * split.height,
        },
        schema=options.schema,
    )


def _labels(questions: pl.DataFrame, options: pl.DataFrame, by: str) -> dict[str, str]:
    """{code: label} of the question giving the territory or the profession, in its order."""
    ids = questions.filter(pl.col("splits") == by)["question_id"].to_list()
    return dict(
        options.filter(pl.col("question_id").is_in(ids))
        .select("option_code", "option_label")
        .iter_rows()
    )


def _is(column: str, value: str | None) -> pl.Expr:
    return pl.lit(True) if value is None else pl.col(column) == value


def _split(
    sel: pl.DataFrame, view: View, labels: dict[str, str]
) -> list[tuple[str, str, set[str]]]:
    """The parts of the selection: (key, label, atoms), in the codebook's order, the groups that
    did not answer the question last."""
    assert view.by is not None
    parts: dict[str, set[str]] = {}
    for t, p, atom in sel.select("territory_code", "profession", "atom").iter_rows():
        value = t if view.by == "territory" else p
        parts.setdefault(value or NOT_RECORDED, set()).add(atom)
    order = [*labels, NOT_RECORDED]
    keys = sorted(parts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [
        (k, labels.get(k, NOT_RECORDED_LABEL if k == NOT_RECORDED else k), parts[k]) for k in keys
    ]


def _selection_label(view: View, labels: dict[str, dict[str, str]]) -> str:
    chosen = [
        labels[dim].get(code, code)
        for dim, code in (("territory", view.territory), ("profession", view.profession))
        if code is not None
    ]
    return " · ".join(chosen) if chosen else WHOLE


def _group_size(survey: str, atoms: set[str], n: int, cfg: SecrecyConfig) -> int | None:
    """A count of respondents as published: keyed by the exact set of territory x profession
    groups it covers, so that the same set reads the same in every view and question."""
    ident = coordinates_text(
        "survey_respondents", {"enquete": survey, "groupe": "+".join(sorted(atoms))}
    )
    return perturbed(ident, n, cfg.threshold, cfg.max_noise)


def _splitting(
    view: View, got: pl.DataFrame, sizes: pl.DataFrame, atoms: set[str], cfg: SecrecyConfig
) -> pl.DataFrame:
    """The answers to the questions that define the groups (territory, profession): each count is
    the size of a group, so it follows the group rule: the options of fewer than `threshold`
    respondents gathered (with the smallest others until they reach it) into OTHERS, and every
    count perturbed as the size of the set of groups it covers."""
    mine = [
        (a, {"territory": t, "profession": p}, n)
        for a, t, p, n in sizes.select("atom", "territory_code", "profession", "respondents").rows()
        if a in atoms
    ]
    records = []
    for question, dim, qtype, options, answered in (
        got.group_by("question_id", "splits", "qtype")
        .agg(pl.col("option_code"), pl.col("answered").max())
        .rows()
    ):
        per: dict[str, set[str]] = {}
        count: dict[str, int] = {}
        for a, where, n in mine:
            code = where[dim] or NOT_RECORDED
            per.setdefault(code, set()).add(a)
            count[code] = count.get(code, 0) + n
        alone, gathered = gather_small(count, cfg.threshold)
        values: dict[str, int | None] = {
            o: _group_size(view.survey, per[o], count[o], cfg) if o in alone else 0
            for o in options
            if o not in gathered
        }
        if gathered:
            union = set().union(*(per[o] for o in gathered))
            values[OTHERS] = _group_size(view.survey, union, sum(count[o] for o in gathered), cfg)
        records += [(question, o, v, answered, qtype, dim) for o, v in values.items()]
    return pl.DataFrame(records, schema=got.schema, orient="row")


def _counts(
    view: View,
    answers: pl.DataFrame,
    sizes: pl.DataFrame,
    questions: pl.DataFrame,
    key: str,
    atoms: set[str],
    cfg: SecrecyConfig | None,
) -> pl.DataFrame:
    """One group's count and share of every option of every question."""
    got = (
        answers.filter(pl.col("atom").is_in(list(atoms)))
        .group_by("question_id", "option_code")
        .agg(pl.col("respondents").sum(), pl.col("answered").sum())
        .join(questions.select("question_id", "qtype", "splits"), on="question_id")
        .cast({"respondents": pl.Int64, "answered": pl.Int64})
    )
    masked = [False] * got.height
    if cfg is not None:
        group = "+".join(sorted(atoms))
        spread, threshold = cfg.max_noise, cfg.threshold

        def ident(measure: str, q: str, o: str | None = None) -> str:
            coords = {"enquete": view.survey, "groupe": group, "question": q}
            return coordinates_text(measure, coords | ({"option": o} if o else {}))

        split = pl.col("splits").is_not_null()
        groups = _splitting(view, got.filter(split), sizes, atoms, cfg)
        got = got.filter(~split)
        rows = got.select("question_id", "option_code", "respondents", "answered").rows()
        counts = [
            answer_count(ident("survey_answer", q, o), int(c), spread) for q, o, c, _n in rows
        ]
        got = got.with_columns(respondents=pl.Series(counts, dtype=pl.Int64))
        got = pl.concat([got, groups])
        answered = [
            perturbed(ident("survey_answered", q), int(n), threshold, spread)
            for q, n in got.select("question_id", "answered").rows()
        ]
        masked = [
            n is None and true > 0
            for n, true in zip(answered, got["answered"].to_list(), strict=True)
        ]
        got = got.with_columns(answered=pl.Series(answered, dtype=pl.Int64))
    got = got.with_columns(masked=pl.Series(masked, dtype=pl.Boolean)).with_columns(
        respondents=pl.when(pl.col("masked")).then(None).otherwise(pl.col("respondents")),
    )
    total = pl.col("respondents").sum().over("question_id")
    share = (
        pl.when(pl.col("qtype").is_in(SHARED))
        .then(100.0 * pl.col("respondents") / total)
        .otherwise(100.0 * pl.col("respondents") / pl.col("answered"))
    )
    return got.with_columns(
        share=pl.when(pl.col("masked") | (pl.col("answered") == 0)).then(None).otherwise(share),
        group=pl.lit(key),
    ).select("group", "question_id", "option_code", "respondents", "answered", "share", "masked")


def build(
    view: View,
    codebook: pl.DataFrame,
    sizes: pl.DataFrame,
    answers: pl.DataFrame,
    cfg: SecrecyConfig | None,
) -> Result:
    """The view's groups and answers from the codebook (query `survey_questions`), the groups'
    sizes (`survey_respondents`) and answers (`survey_answers`); `cfg` the secrecy to apply (None:
    exact figures, for roles with nominative rights)."""
    questions, options = _questions(codebook)
    labels = {dim: _labels(questions, options, dim) for dim in BY}
    if cfg is not None:  # the small territories or professions of a question, gathered
        options = pl.concat([options, _others(questions, options)], how="vertical_relaxed")
    atom = pl.concat_str(
        pl.col("territory_code").fill_null(NOT_RECORDED),
        pl.lit("/"),
        pl.col("profession").fill_null(NOT_RECORDED),
    )
    keep = _is("territory_code", view.territory) & _is("profession", view.profession)
    sel = sizes.filter(keep).with_columns(atom=atom)
    found = answers.filter(keep).with_columns(atom=atom)
    everyone = set(sel["atom"].to_list())
    n_of = dict(sel.select("atom", "respondents").iter_rows())
    parts = _split(sel, view, labels[view.by]) if view.by else []
    shown: list[tuple[str, str, set[str], tuple[str, ...]]] = [
        (SELECTION, _selection_label(view, labels), everyone, ())
    ]
    masked: list[tuple[str, str]] = []
    threshold = cfg.threshold if cfg else 1
    total = sum(n_of.values())
    if cfg is not None and total < cfg.threshold:
        shown, masked = [], [(SELECTION, _selection_label(view, labels))]
    elif cfg is None:
        shown += [(k, label, a, ()) for k, label, a in parts]
    else:
        size = {k: sum(n_of[x] for x in a) for k, _label, a in parts}
        alone, gathered = gather_small(size, cfg.threshold)
        shown += [(k, label, a, ()) for k, label, a in parts if k in alone]
        small = [(k, label, a) for k, label, a in parts if k in gathered]
        if small and cfg.survey_merge and len(small) < len(parts):
            assert view.by is not None
            union = set().union(*(a for _k, _l, a in small))
            shown.append((OTHERS, OTHERS_LABEL[view.by], union, tuple(x[1] for x in small)))
        else:  # masked (merge = false), or all gathered: « Autres » would be the selection
            masked += [(k, label) for k, label, _a in small]
    groups: list[Group] = []
    frames = []
    for key, label, atoms, members in shown:
        n = sum(n_of[x] for x in atoms)
        if cfg is not None:
            ident = coordinates_text(
                "survey_respondents", {"enquete": view.survey, "groupe": "+".join(sorted(atoms))}
            )
            n = perturbed(ident, n, cfg.threshold, cfg.max_noise) or 0
        groups.append(Group(key, label, n, members))
        frames.append(_counts(view, found, sel, questions, key, atoms, cfg))
    groups += [Group(k, label, None) for k, label in masked]
    if masked and masked[0][0] == SELECTION:
        groups = [Group(SELECTION, masked[0][1], None)]
    schema = {
        "group": pl.String,
        "question_id": pl.String,
        "option_code": pl.String,
        "respondents": pl.Int64,
        "answered": pl.Int64,
        "share": pl.Float64,
        "masked": pl.Boolean,
    }
    result = pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)  # type: ignore[arg-type]
    return Result(
        view, questions, options, tuple(groups), result, threshold, cfg.max_noise if cfg else None
    )
