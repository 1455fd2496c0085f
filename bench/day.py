"""One day of changes in the DCC store, applied before an incremental run and taken back after.

About 4,000 fiches a day nationally: half new fiches (copies of the most recent ones, by RCP
date, under new ids, each given the patient of its neighbour so the duplicate check does not
fire, with their proposals), half existing fiches touched (`updated_at` set to now, as an edit in
the DCC does: the next most recent ones, where a DCC's edits fall, completing and validating the
fiches of the last sessions). Ids do not follow time across networks: taken by highest id, as
until 2026-12-06, a day's fiches ran over the ten years and touched every year and month. What was
changed is recorded in `bench_day` inside the store, so `revert` restores the generated state even
after a benchmark that died half-way (and the stores' manifest matches again).
"""

from __future__ import annotations

import psycopg

from bench.dataset import libpq

NEW = 2_000
TOUCHED = 2_000
RECENT = "date_rcp DESC NULLS LAST, id_fiche DESC"  # the fiches of the last sessions first
SPECIAL = {
    "id_identite": "lag(f.id_identite, 1, f.id_identite) OVER (ORDER BY f.id_fiche)",
    "id_fiche_precedente": "NULL",
    "created_at": "localtimestamp",
    "updated_at": "localtimestamp",
    "deleted_at": "NULL",
}


def revert(url: str) -> bool:
    """Take back the recorded day of changes, if any; True when there was one."""
    with psycopg.connect(libpq(url)) as conn:
        found = conn.execute("SELECT to_regclass('bench_day')").fetchone()
        if not found or found[0] is None:
            return False
        for sql in (
            "DELETE FROM fiche_proposition WHERE id_fiche IN "
            "(SELECT id_fiche FROM bench_day WHERE kind = 'new')",
            "DELETE FROM fiche_rcp WHERE id_fiche IN "
            "(SELECT id_fiche FROM bench_day WHERE kind = 'new')",
            "UPDATE fiche_rcp f SET updated_at = d.updated_at FROM bench_day d "
            "WHERE d.kind = 'touched' AND f.id_fiche = d.id_fiche AND f.version = d.version",
            "DROP TABLE bench_day",
        ):
            conn.execute(sql)
    return True


def apply(url: str, fiches: int = NEW + TOUCHED) -> int:
    """Insert and touch fiches as one day in the DCC would (half new, half touched); return the
    fiches changed."""
    new, touched = fiches // 2, fiches - fiches // 2
    with psycopg.connect(libpq(url)) as conn:
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'fiche_rcp' ORDER BY ordinal_position"
            ).fetchall()
        ]
        top = conn.execute("SELECT max(id_fiche) FROM fiche_rcp").fetchone()
        offset = int(top[0]) if top and top[0] else 0
        select = ", ".join(
            f"f.id_fiche + {offset}" if c == "id_fiche" else SPECIAL.get(c, f"f.{c}")
            for c in columns
        )
        conn.execute(
            "CREATE TABLE bench_day "
            "(kind text, id_fiche int, version smallint, updated_at timestamp)"
        )
        conn.execute(
            "CREATE TEMP TABLE src AS SELECT * FROM fiche_rcp WHERE version = 1 "
            f"ORDER BY {RECENT} LIMIT {new}"
        )
        conn.execute(f"INSERT INTO fiche_rcp ({', '.join(columns)}) SELECT {select} FROM src f")
        conn.execute(
            "INSERT INTO fiche_proposition (id_fiche, code_traitement) "
            f"SELECT id_fiche + {offset}, code_traitement FROM fiche_proposition "
            "WHERE id_fiche IN (SELECT id_fiche FROM src)"
        )
        conn.execute(
            f"INSERT INTO bench_day SELECT 'new', id_fiche + {offset}, version, NULL FROM src"
        )
        conn.execute(
            "INSERT INTO bench_day SELECT 'touched', id_fiche, version, updated_at FROM fiche_rcp "
            f"WHERE id_fiche <= {offset} ORDER BY {RECENT}, version DESC "
            f"OFFSET {new * 3} LIMIT {touched}"
        )
        conn.execute(
            "UPDATE fiche_rcp f SET updated_at = localtimestamp FROM bench_day d "
            "WHERE d.kind = 'touched' AND f.id_fiche = d.id_fiche AND f.version = d.version"
        )
    return new + touched
