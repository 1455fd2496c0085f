"""Reference tables of the demo region, read from the embedded CSV files in `demo/data/`.

The Auvergne network (4 departments, 15 health territories, 10 3C, 52 RCP entities, real
establishment names and towns) is network 1. At national scale the structure is cloned into
further synthetic networks ("Réseau 02", ...) with their own department codes and ids, so that
volumes grow the way they do in France: more networks, not bigger RCPs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import polars as pl

DATA = resources.files("demo") / "data"

# Department codes given to cloned networks, 4 per network (metropolitan codes not in Auvergne).
_CLONE_DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n not in (3, 15, 43, 63, 20)] + [
    "2A",
    "2B",
]

TREATMENT_MIX: dict[str, list[tuple[str, float]]] = {
    # organ -> (treatment, probability of appearing in a proposal)
    "sein": [
        ("chirurgie", 0.7),
        ("radiotherapie", 0.6),
        ("chimiotherapie", 0.35),
        ("hormonotherapie", 0.55),
        ("therapie_ciblee", 0.1),
    ],
    "digestif": [
        ("chirurgie", 0.6),
        ("chimiotherapie", 0.55),
        ("radiotherapie", 0.15),
        ("therapie_ciblee", 0.12),
        ("radiologie_interventionnelle", 0.05),
    ],
    "thorax": [
        ("chirurgie", 0.3),
        ("chimiotherapie", 0.55),
        ("radiotherapie", 0.35),
        ("immunotherapie", 0.2),
        ("therapie_ciblee", 0.12),
    ],
    "urologie": [
        ("chirurgie", 0.45),
        ("radiotherapie", 0.3),
        ("hormonotherapie", 0.25),
        ("surveillance", 0.25),
        ("curietherapie", 0.05),
        ("chimiotherapie", 0.1),
    ],
    "gynecologie": [
        ("chirurgie", 0.65),
        ("chimiotherapie", 0.4),
        ("radiotherapie", 0.35),
        ("curietherapie", 0.15),
    ],
    "orl": [("chirurgie", 0.5), ("radiotherapie", 0.6), ("chimiotherapie", 0.4)],
    "hematologie": [
        ("chimiotherapie", 0.75),
        ("immunotherapie", 0.2),
        ("surveillance", 0.2),
        ("radiotherapie", 0.08),
    ],
    "dermatologie": [("chirurgie", 0.7), ("immunotherapie", 0.25), ("surveillance", 0.25)],
    "neuro": [("chirurgie", 0.6), ("radiotherapie", 0.6), ("chimiotherapie", 0.5)],
    "endocrine": [("chirurgie", 0.8), ("surveillance", 0.3), ("radiotherapie", 0.1)],
    "sarcome": [("chirurgie", 0.7), ("radiotherapie", 0.45), ("chimiotherapie", 0.4)],
}


def _csv(name: str, **kwargs: object) -> pl.DataFrame:
    with (DATA / name).open("rb") as fh:
        return pl.read_csv(fh.read(), **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Reference:
    """The structure of one or more networks, as polars frames (one row per thing)."""

    c3: pl.DataFrame
    establishments: pl.DataFrame
    entities: pl.DataFrame
    communes: pl.DataFrame
    territories: pl.DataFrame
    organs: pl.DataFrame
    icd10: pl.DataFrame
    invalid_icd10: pl.DataFrame
    specialties: pl.DataFrame
    treatments: pl.DataFrame
    names: pl.DataFrame
    outside_communes: pl.DataFrame
    supportive_kinds: pl.DataFrame


def load_region() -> Reference:
    """The Auvergne network as shipped."""
    text = {
        "schema_overrides": {
            "finess": pl.String,
            "commune_code": pl.String,
            "department_code": pl.String,
        }
    }
    c3 = _csv("c3.csv", schema_overrides={"department_code": pl.String})
    establishments = _csv(
        "establishments.csv", schema_overrides={**text["schema_overrides"], "postcode": pl.String}
    ).with_columns(pl.col("surgery").fill_null(""))
    entities = _csv(
        "rcp_entities.csv", schema_overrides={"finess": pl.String, "other_places": pl.String}
    ).with_columns(pl.col("other_places").fill_null(""))
    communes = _csv("communes.csv", **text)
    territories = _csv("territories.csv", schema_overrides={"department_code": pl.String})
    return Reference(
        c3=c3.with_columns(network=pl.lit(1)),
        establishments=establishments,
        entities=entities,
        communes=communes,
        territories=territories,
        organs=_csv("organs.csv").with_columns(pl.col("surgery_specialty").fill_null("")),
        icd10=_csv("icd10_codes.csv"),
        invalid_icd10=_csv("invalid_icd10.csv"),
        specialties=_csv("specialties.csv"),
        treatments=_csv("treatments.csv"),
        names=_csv("names.csv"),
        outside_communes=_csv("outside_communes.csv", **text),
        supportive_kinds=_csv("supportive_care_kinds.csv"),
    )


def _clone_department(code: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    return code.replace_strict(mapping, return_dtype=pl.String)


def clone_network(ref: Reference, k: int) -> Reference:
    """Network `k` of a national run: network 1 is `ref` itself; others are synthetic clones of
    its structure with their own department codes, ids and names."""
    if k <= 1:
        return ref
    departments = sorted(ref.communes["department_code"].unique().to_list())
    offset = 4 * (k - 2)
    new = [
        _CLONE_DEPARTMENTS[offset + i]
        if offset + i < len(_CLONE_DEPARTMENTS)
        else f"{chr(ord('A') + k % 26)}{i}"
        for i in range(len(departments))
    ]
    dmap = dict(zip(departments, new, strict=True))
    dept = _clone_department(pl.col("department_code"), dmap)
    prefix = f"R{k:02d}-"
    suffix = f" (réseau {k:02d})"
    return Reference(
        c3=ref.c3.with_columns(
            c3_id=prefix + pl.col("c3_id"),
            name=pl.col("name") + suffix,
            department_code=dept,
            network=pl.lit(k),
            # the CDA exports are the region's: a clone keeps that 3C's database, so that a
            # national run holds the same SQL stores (bench.cda measures the documents)
            source_kind=pl.col("source_kind").replace("cda", "dcc"),
        ),
        establishments=ref.establishments.with_columns(
            finess=dept.str.slice(0, 2) + pl.col("finess").str.slice(2),
            name=pl.col("name") + suffix,
            c3_id=prefix + pl.col("c3_id"),
            commune_code=dept.str.slice(0, 2) + pl.col("commune_code").str.slice(2),
            department_code=dept,
            postcode=dept.str.slice(0, 2) + pl.col("postcode").str.slice(2),
        ),
        entities=ref.entities.with_columns(
            entity_code=prefix + pl.col("entity_code"),
            c3_id=prefix + pl.col("c3_id"),
            name=pl.col("name") + suffix,
            finess=_clone_department(
                pl.col("finess").str.slice(0, 2), {d[:2]: n[:2] for d, n in dmap.items()}
            )
            + pl.col("finess").str.slice(2),
            other_places=pl.when(pl.col("other_places") == "")
            .then(pl.lit(""))
            .otherwise(
                pl.col("other_places")
                .str.split("|")
                .list.eval(
                    _clone_department(
                        pl.element().str.slice(0, 2), {d[:2]: n[:2] for d, n in dmap.items()}
                    )
                    + pl.element().str.slice(2),
                )
                .list.join("|")
            ),
        ),
        communes=ref.communes.with_columns(
            commune_code=dept.str.slice(0, 2) + pl.col("commune_code").str.slice(2),
            commune_name=pl.col("commune_name") + suffix,
            department_code=dept,
            territory_code=prefix + pl.col("territory_code"),
        ),
        territories=ref.territories.with_columns(
            territory_code=prefix + pl.col("territory_code"),
            department_code=dept,
            territory_name=pl.col("territory_name") + suffix,
        ),
        organs=ref.organs,
        icd10=ref.icd10,
        invalid_icd10=ref.invalid_icd10,
        specialties=ref.specialties,
        treatments=ref.treatments,
        names=ref.names,
        outside_communes=ref.outside_communes,
        supportive_kinds=ref.supportive_kinds,
    )


def network_of(c3_id: pl.Expr) -> pl.Expr:
    """Network number from a c3 id ("C3-01" -> 1, "R07-C3-01" -> 7)."""
    return (
        pl.when(c3_id.str.starts_with("R"))
        .then(c3_id.str.slice(1, 2).cast(pl.Int32))
        .otherwise(pl.lit(1, pl.Int32))
    )
