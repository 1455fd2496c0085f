"""Random change sets in the two SQL stores, the way their users and vendors change them.

`ChangeSet.apply` draws, from one `random.Random`, a few changes of each kind the incremental
run must carry to the warehouse exactly as a full rebuild would see them:

- inserts: new versions of existing DCC fiches, new vendor B dossiers (copies under new ids);
- updates: a fiche's organ, a session's date, a patient's commune, a dossier's organ;
- tombstones: DCC fiches marked deleted (`deleted_at`);
- physical deletes: a DCC fiche version and an attendance row (tables that use tombstones, or
  none: the key reconciliation removes them), a vendor B dossier and a proposal (key diff);
- late-arriving rows: inserts whose watermark is back-dated before the last load's;
- quarantined then fixed rows: a round writes an unknown organ code (the mapping quarantines the
  row); the next round corrects it, with or without moving its watermark.

Fiches are chosen among those without a PPS: deleting or quarantining a fiche quarantines its
PPS with it, and the demo's own defects already hold that blocking check near its threshold.

Every statement goes through SQLAlchemy Core over reflected tables, so the same code runs on
PostgreSQL and MariaDB (and SQLite). Each change is chosen among rows chosen in key order, so a
seed replays the same change set on the same generated stores.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

ORGANS_DCC = ("SEIN", "DIGESTIF", "THORAX", "UROLOGIE", "ORL", "HEMATOLOGIE")
ORGANS_B = ("Sein", "Digestif", "Thorax", "Urologie")
UNKNOWN_DCC = "INCONNU"  # no code of config/mappings/dcc.toml: the row is quarantined
UNKNOWN_B = "Pancréas"  # idem for vendor_b.toml
BACK_DATED = datetime(2012, 6, 1, 9, 30)  # before every watermark the demo writes
B_STAMP = "%Y%m%d%H%M%S"  # vendor B's text watermark


@dataclass
class Pending:
    """Rows a round broke on purpose, for the next round to fix."""

    dcc: list[tuple[int, int]] = field(default_factory=list)  # (id_fiche, version)
    vendor_b: list[int] = field(default_factory=list)  # NUM_DOSSIER


@dataclass
class ChangeSet:
    """One round of changes; `done` counts what was applied, by kind."""

    rng: random.Random
    stamp: datetime  # "now" for this round: later than every watermark already loaded
    pending: Pending
    done: dict[str, int] = field(default_factory=dict)

    def _count(self, kind: str, n: int = 1) -> None:
        self.done[kind] = self.done.get(kind, 0) + n

    def _pick(self, conn: sa.Connection, query: sa.Select, k: int) -> list[sa.Row]:
        rows = list(conn.execute(query).fetchall())
        return self.rng.sample(rows, min(k, len(rows)))

    def apply(self, dcc_url: str, vendor_b_url: str) -> dict[str, int]:
        dcc = sa.create_engine(dcc_url)
        try:
            with dcc.begin() as conn:
                self._dcc(conn)
        finally:
            dcc.dispose()
        b = sa.create_engine(vendor_b_url)
        try:
            with b.begin() as conn:
                self._vendor_b(conn)
        finally:
            b.dispose()
        return self.done

    # ---- the DCC (store a)

    def _dcc(self, conn: sa.Connection) -> None:
        meta = sa.MetaData()
        fiche = sa.Table("fiche_rcp", meta, autoload_with=conn)
        proposal = sa.Table("fiche_proposition", meta, autoload_with=conn)
        seance = sa.Table("rcp_seance", meta, autoload_with=conn)
        presence = sa.Table("seance_presence", meta, autoload_with=conn)
        patient = sa.Table("patient_identite", meta, autoload_with=conn)
        pps = sa.Table("pps", meta, autoload_with=conn)
        f = fiche.c
        self._fix_dcc(conn, fiche)
        live = (
            sa.select(f.id_fiche, sa.func.max(f.version).label("version"))
            .where(f.deleted_at.is_(None), f.id_fiche.not_in(sa.select(pps.c.id_fiche)))
            .group_by(f.id_fiche)
            .order_by(f.id_fiche)
        )
        chosen = self._pick(conn, live, 14)
        new_versions, late, edits = chosen[:3], chosen[3:5], chosen[5:8]
        tombstones, gone, broken = chosen[8:10], chosen[10:11], chosen[11:14]
        for row, stamp in [(r, self.stamp) for r in new_versions] + [(r, BACK_DATED) for r in late]:
            old = conn.execute(
                sa.select(fiche).where(f.id_fiche == row.id_fiche, f.version == row.version)
            ).one()
            values = dict(old._mapping) | {
                "version": row.version + 1,
                "code_organe": self.rng.choice(ORGANS_DCC),
                "created_at": stamp,
                "updated_at": stamp,
            }
            conn.execute(sa.insert(fiche).values(**values))
        self._count("insert (new fiche version)", len(new_versions))
        self._count("late-arriving fiche version (back-dated)", len(late))
        for row in edits:
            conn.execute(
                sa.update(fiche)
                .where(f.id_fiche == row.id_fiche, f.version == row.version)
                .values(code_organe=self.rng.choice(ORGANS_DCC), updated_at=self.stamp)
            )
        self._count("update (fiche organ)", len(edits))
        for row in tombstones:
            conn.execute(
                sa.update(fiche)
                .where(f.id_fiche == row.id_fiche)
                .values(deleted_at=self.stamp, updated_at=self.stamp)
            )
        self._count("tombstone (fiche deleted)", len(tombstones))
        for row in gone:  # a vendor's purge: the row is gone, no tombstone
            conn.execute(sa.delete(fiche).where(f.id_fiche == row.id_fiche))
            conn.execute(sa.delete(proposal).where(proposal.c.id_fiche == row.id_fiche))
        self._count("physical delete (fiche and its proposals)", len(gone))
        self._proposals(conn, proposal)
        for row in broken:
            conn.execute(
                sa.update(fiche)
                .where(f.id_fiche == row.id_fiche, f.version == row.version)
                .values(code_organe=UNKNOWN_DCC, updated_at=self.stamp)
            )
            self.pending.dcc.append((row.id_fiche, row.version))
        self._count("unknown organ code (to be quarantined)", len(broken))
        for s in self._pick(conn, sa.select(seance).order_by(seance.c.id_seance), 2):
            conn.execute(
                sa.update(seance)
                .where(seance.c.id_seance == s.id_seance)
                .values(date_seance=s.date_seance.replace(hour=8), updated_at=self.stamp)
            )
        self._count("update (session time)", 2)
        p = presence.c
        keys = sa.select(p.id_seance, p.id_professionnel).order_by(p.id_seance, p.id_professionnel)
        for row in self._pick(conn, keys, 2):
            conn.execute(
                sa.delete(presence).where(
                    p.id_seance == row.id_seance, p.id_professionnel == row.id_professionnel
                )
            )
        self._count("physical delete (attendance)", 2)
        communes = [
            r[0]
            for r in conn.execute(
                sa.select(patient.c.code_commune)
                .where(patient.c.code_commune.is_not(None))
                .distinct()
                .order_by(patient.c.code_commune)
            )
        ]
        for row in self._pick(conn, sa.select(patient).order_by(patient.c.id_identite), 2):
            conn.execute(
                sa.update(patient)
                .where(patient.c.id_identite == row.id_identite)
                .values(code_commune=self.rng.choice(communes), updated_at=self.stamp)
            )
        self._count("update (patient commune)", 2)

    def _fix_dcc(self, conn: sa.Connection, fiche: sa.Table) -> None:
        """The rows the last round broke, corrected; every other one without moving its
        watermark (a fix the watermark cannot see: the quarantine's keys are read again)."""
        for i, (fid, version) in enumerate(self.pending.dcc):
            values: dict[str, object] = {"code_organe": self.rng.choice(ORGANS_DCC)}
            if i % 2 == 0:
                values["updated_at"] = self.stamp
            conn.execute(
                sa.update(fiche)
                .where(fiche.c.id_fiche == fid, fiche.c.version == version)
                .values(**values)
            )
        self._count("fixed (was quarantined)", len(self.pending.dcc))
        self.pending.dcc = []

    # ---- vendor B (store b)

    def _proposals(self, conn: sa.Connection, proposal: sa.Table) -> None:
        """A table without a watermark, read whole and compared with raw: a proposal's treatment
        changed (its key changes) and one added to another fiche."""
        c = proposal.c
        codes = sorted(conn.execute(sa.select(c.code_traitement).distinct()).scalars())
        rows = self._pick(conn, sa.select(proposal).order_by(c.id_fiche, c.code_traitement), 2)
        for i, row in enumerate(rows):
            taken = set(
                conn.execute(
                    sa.select(c.code_traitement).where(c.id_fiche == row.id_fiche)
                ).scalars()
            )
            free = [code for code in codes if code not in taken]
            if not free:
                continue
            if i == 0:
                conn.execute(
                    sa.update(proposal)
                    .where(c.id_fiche == row.id_fiche, c.code_traitement == row.code_traitement)
                    .values(code_traitement=self.rng.choice(free))
                )
                self._count("update (proposal treatment, no watermark)")
            else:
                conn.execute(
                    sa.insert(proposal).values(id_fiche=row.id_fiche, code_traitement=free[0])
                )
                self._count("insert (proposal, no watermark)")

    def _vendor_b(self, conn: sa.Connection) -> None:
        meta = sa.MetaData()
        dossier = sa.Table("ONC_DOSSIER", meta, autoload_with=conn)
        pps = sa.Table("ONC_PPS", meta, autoload_with=conn)
        d = dossier.c
        stamp = self.stamp.strftime(B_STAMP)
        for i, num in enumerate(self.pending.vendor_b):
            values = {"ORGANE": self.rng.choice(ORGANS_B)}
            if i % 2 == 0:
                values["DATE_MAJ"] = stamp
            number = d.NUM_DOSSIER
            conn.execute(sa.update(dossier).where(number == num).values(**values))
        self._count("fixed (was quarantined)", len(self.pending.vendor_b))
        self.pending.vendor_b = []
        without_pps = d.NUM_DOSSIER.not_in(sa.select(pps.c.NUM_DOSSIER))
        chosen = self._pick(conn, sa.select(dossier).where(without_pps).order_by(d.NUM_DOSSIER), 9)
        copies, late, edits, gone, broken = (
            chosen[:2],
            chosen[2:3],
            chosen[3:5],
            chosen[5:7],
            chosen[7:9],
        )
        top = conn.execute(sa.select(sa.func.max(d.NUM_DOSSIER))).scalar_one()
        for i, (row, when) in enumerate(
            [(r, stamp) for r in copies] + [(r, BACK_DATED.strftime(B_STAMP)) for r in late]
        ):
            conn.execute(
                sa.insert(dossier).values(
                    **(dict(row._mapping) | {"NUM_DOSSIER": top + 1 + i, "DATE_MAJ": when})
                )
            )
        self._count("insert (new dossier)", len(copies))
        self._count("late-arriving dossier (back-dated)", len(late))
        for row in edits:
            conn.execute(
                sa.update(dossier)
                .where(d.NUM_DOSSIER == row.NUM_DOSSIER)
                .values(ORGANE=self.rng.choice(ORGANS_B), DATE_MAJ=stamp)
            )
        self._count("update (dossier organ)", len(edits))
        for row in gone:
            conn.execute(sa.delete(dossier).where(d.NUM_DOSSIER == row.NUM_DOSSIER))
        self._count("physical delete (dossier)", len(gone))
        for row in broken:
            conn.execute(
                sa.update(dossier)
                .where(d.NUM_DOSSIER == row.NUM_DOSSIER)
                .values(ORGANE=UNKNOWN_B, DATE_MAJ=stamp)
            )
            self.pending.vendor_b.append(row.NUM_DOSSIER)
        self._count("unknown organ code (to be quarantined)", len(broken))
