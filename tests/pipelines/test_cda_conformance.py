"""Documents that lack what the platform needs are quarantined with the rule they break, in
French, and counted; a nullFlavor is "not recorded"; versions replace, and validated ones freeze.
Each case is the agency's example Fiche RCP with one thing changed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.pipelines.cda_support import FRCP, PPS, changed, folder, load, rows

TEXT = FRCP.read_text(encoding="utf-8")

SET_ID = '<setId root="1.2.250.1.213.1.1.1.8.2022.1"/>'
VERSION = '<versionNumber value="1" />'
STATUS = 'code="385651009" displayName="en cours d\'exécution"'
QUORUM = 'code="ORG-126" displayName="Quorum atteint"'


def quarantine(tmp_path: Path) -> list[dict]:
    con, _, _ = load(tmp_path)
    return rows(
        con,
        "SELECT DISTINCT source_table, entity, reason, location FROM quality.quarantine "
        "ORDER BY ALL",
    )


@pytest.mark.parametrize(
    ("pairs", "rule"),
    [
        ([(SET_ID, "")], "règle setid : document sans setId"),
        (
            [
                ('<id extension="279035121518989" root="1.2.250.1.213.1.4.10"/>', ""),
                ('<id extension="1234567890121" root="1.2.3.4.567.8.9.10" />', ""),
            ],
            "règle identifiant_patient : patient sans identifiant (ni INS, ni IPP)",
        ),
        (
            [('<low value="20190218171100+0100" />', '<low nullFlavor="UNK" />')],
            "règle date_rcp : pas de date de RCP",
        ),
        (
            [('code="34794-8"', 'code="11488-4"')],
            "règle code_loinc : le type de document n'est pas 34794-8",
        ),
    ],
    ids=["no setId", "no patient identifier", "no RCP date", "not an RCP report"],
)
def test_a_document_breaking_a_rule_is_quarantined_with_it_records_included(
    tmp_path: Path, pairs: list[tuple[str, str]], rule: str
) -> None:
    con, loads, rec = load(folder(tmp_path, fiche=changed(*pairs)))
    reasons = rows(con, "SELECT DISTINCT source_table, reason, location FROM quality.quarantine")
    head = [r for r in reasons if r["source_table"] == "fiche"]
    assert head and all(r["reason"].startswith(rule) for r in head), head
    assert {r["location"] for r in head} == {"fiche.xml, fiche, row 1"}
    # its participants, physicians and proposals follow it, named by the document's rule
    records = {
        r["source_table"] for r in reasons if r["reason"].startswith("document en quarantaine")
    }
    assert records == {"fiche_participant", "fiche_professional", "fiche_proposal"}
    assert con.execute("SELECT count(*) FROM mapped.fiche_version").fetchone() == (0,)
    assert all(r.loaded == 0 for r in rec)
    [file] = [f for x in loads for f in x.files]
    assert (file.rows_read, file.rejected) == (1, 1)


def test_a_document_of_another_model_is_quarantined_as_such(tmp_path: Path) -> None:
    text = changed(
        ('root="1.2.250.1.213.1.1.1.8" extension="2022.01"', 'root="1.2.250.1.213.1.1.1.99"')
    )
    [row] = [r for r in quarantine(folder(tmp_path, autre=text)) if r["entity"] == "fiche_version"]
    assert row["reason"].startswith("règle modele : modèle de document non reconnu (templateId ")
    assert "1.2.250.1.213.1.1.1.99" in row["reason"]
    assert "attendu : 1.2.250.1.213.1.1.1.8 (fiche), 1.2.250.1.213.1.1.1.26 (pps)" in row["reason"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (TEXT[: len(TEXT) // 2], "XML mal formé : "),
        ("<html><body>pas un document</body></html>", "aucun ClinicalDocument HL7 CDA"),
    ],
    ids=["cut short", "no ClinicalDocument"],
)
def test_a_file_that_is_no_cda_document_is_quarantined_and_the_others_load(
    tmp_path: Path, text: str, why: str
) -> None:
    con, loads, _ = load(folder(tmp_path, abime=text, fiche=TEXT))
    [row] = rows(
        con,
        "SELECT DISTINCT reason, location FROM quality.quarantine WHERE entity = 'fiche_version'",
    )
    assert row["reason"].startswith(why)
    assert row["location"] == "abime.xml, fiche, row 1"
    assert con.execute("SELECT count(*) FROM mapped.fiche_version").fetchone() == (1,)
    counts = {f.file: (f.rows_read, f.rejected) for x in loads for f in x.files}
    assert counts == {"abime.xml": (1, 1), "fiche.xml": (1, 0)}


def test_a_code_outside_its_value_set_is_quarantined_with_the_value_set(tmp_path: Path) -> None:
    text = changed((QUORUM, 'code="ORG-999" displayName="Quorum peut-être"'))
    reasons = {
        r["reason"]
        for r in quarantine(folder(tmp_path, fiche=text))
        if r["source_table"] == "fiche"
    }
    why = (
        "stated_quorum : code « ORG-999 » absent du jeu de valeurs JDV_StatutQuorum_CISIS "
        "(1.2.250.1.213.1.1.4.2.281.16)"
    )
    assert reasons and all(r.startswith(why) for r in reasons), reasons


def test_a_code_of_the_value_set_the_mapping_does_not_translate_is_an_unknown_code(
    tmp_path: Path,
) -> None:
    # œil (SNOMED 81745001) is in JDV_RCP_Appareil_CISIS; the network has no RCP for it
    text = changed(('code="76752008" displayName="sein"', 'code="81745001" displayName="œil"'))
    [row] = [r for r in quarantine(folder(tmp_path, fiche=text)) if r["entity"] == "fiche_version"]
    assert row["reason"] == "apparatus: unknown code 81745001"


@pytest.mark.parametrize("written", ["197903", "1979", "19790300"])
def test_a_birth_date_short_of_a_day_is_quarantined_as_unread_not_as_a_two_digit_year(
    tmp_path: Path, written: str
) -> None:
    # HL7 lets a time stamp stop at the month or the year; the identity needs the day, and a
    # day made up would change the patient's age silently
    text = changed(('<birthTime value="19790328"/>', f'<birthTime value="{written}"/>'))
    [row] = [r for r in quarantine(folder(tmp_path, fiche=text)) if r["entity"] == "identity"]
    assert row["reason"] == f"birth_date: cannot read {written} as date; missing birth_date"


def test_a_null_flavor_is_not_recorded_not_an_error(tmp_path: Path) -> None:
    text = changed(
        (
            f'<value xsi:type="CD" {QUORUM} codeSystem="1.2.250.1.213.1.1.4.322" '
            'codeSystemName="TA-ASIP" />',
            '<value xsi:type="CD" nullFlavor="NI" />',
        ),
        ('<administrativeGenderCode code="F"', '<administrativeGenderCode code="U"'),
    )
    con, _, _ = load(folder(tmp_path, fiche=text))
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    assert con.execute("SELECT stated_quorum FROM mapped.fiche_version").fetchone() == (None,)
    assert con.execute("SELECT sex FROM mapped.identity").fetchone() == (None,)


def test_a_new_version_replaces_the_draft_and_the_old_one_is_counted_superseded(
    tmp_path: Path,
) -> None:
    v2 = changed(
        (VERSION, '<versionNumber value="2" />'),
        (QUORUM, 'code="ORG-133" displayName="Quorum non atteint"'),
    )
    con, loads, _ = load(folder(tmp_path, v1=TEXT, v2=v2))
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    assert con.execute(
        "SELECT version, stated_quorum FROM mapped.fiche_version ORDER BY version"
    ).fetchall() == [(1, "met"), (2, "not_met")]
    [superseded] = [f for x in loads for f in x.findings if f.kind == "superseded"]
    assert (superseded.table, superseded.count, superseded.action) == ("fiche", 1, "loaded")
    assert not superseded.flags


def test_a_version_after_a_validated_one_is_refused_as_frozen(tmp_path: Path) -> None:
    validated = changed((STATUS, 'code="9571008" displayName="approuvé"'))
    v2 = changed((VERSION, '<versionNumber value="2" />'))
    con, _, rec = load(folder(tmp_path, v1=validated, v2=v2))
    assert con.execute("SELECT version, status FROM mapped.fiche_version").fetchall() == [
        (1, "valide")
    ]
    reasons = rows(con, "SELECT DISTINCT source_table, reason, location FROM quality.quarantine")
    fiche = [r for r in reasons if r["source_table"] == "fiche"]
    assert {r["reason"] for r in fiche} == {
        "règle version_figee : la version 2 suit la version 1 validée (figée) du document "
        "1.2.250.1.213.1.1.1.8.2022.1 : une nouvelle discussion demande une nouvelle fiche"
    }
    assert {r["location"] for r in fiche} == {"v2.xml, fiche, row 1"}
    # its records follow it (the proposal entity keeps one row per treatment: version 1's)
    proposals = con.execute(
        "SELECT version, _reject FROM raw.frcp__fiche_proposal WHERE version = '2'"
    ).fetchall()
    assert len(proposals) == 4
    assert all(r[1].startswith("document en quarantaine (règle version_figee") for r in proposals)
    versions = next(r for r in rec if r.entity == "fiche_version")
    assert (versions.offered, versions.loaded, versions.quarantined) == (2, 1, 1)


def test_one_set_id_and_version_with_two_contents_quarantines_both(tmp_path: Path) -> None:
    other = changed(
        ('<value xsi:type="BL" value="false" />', '<value xsi:type="BL" value="true" />')
    )
    con, loads, _ = load(folder(tmp_path, a=TEXT, b=other))
    locations = {
        r[0]
        for r in con.execute(
            "SELECT location FROM quality.quarantine WHERE entity = 'fiche_version'"
        ).fetchall()
    }
    assert locations == {"a.xml, fiche, row 1", "b.xml, fiche, row 1"}
    assert any(f.kind == "duplicate_key" and f.count == 1 for x in loads for f in x.findings)


def test_copies_of_one_document_are_read_once_and_counted_not_quarantined(
    tmp_path: Path,
) -> None:
    """The same document twice (a message sent again, a document both in a folder and in a
    package): read once, from the first file by name; the copy is set aside and counted."""
    con, loads, reconciliation = load(folder(tmp_path, a=TEXT, b=TEXT, c=changed()))
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    assert [(f.kind, f.count) for x in loads for f in x.findings] == [("copies", 2)]
    versions = next(r for r in reconciliation if r.entity == "fiche_version")
    assert (versions.offered, versions.loaded, versions.quarantined, versions.skipped) == (
        3, 1, 0, 2,
    )  # fmt: skip
    (tmp_path / "once").mkdir()
    once, _, _ = load(folder(tmp_path / "once", a=TEXT))
    for table in ("fiche_version", "attendance", "proposal", "professional"):
        count = f"SELECT count(*) FROM mapped.{table}"
        assert con.execute(count).fetchone() == once.execute(count).fetchone(), table
    kept = 'SELECT _file, _reject FROM raw."frcp__fiche" ORDER BY _file'
    assert con.execute(kept).fetchall() == [
        ("a.xml", None),
        ("b.xml", "écartée : copie identique de a.xml"),
        ("c.xml", "écartée : copie identique de a.xml"),
    ]


def test_a_zip_of_documents_reads_as_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(FRCP, "2019/frcp.xml")
        z.write(PPS, "2021/pps.xml")
        z.writestr("LISEZMOI.txt", "pas un document")
    con, loads, rec = load(archive)
    assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone() == (0,)
    files = sorted((f.file, f.table, f.rows_read) for x in loads for f in x.files)
    assert files == [
        ("export.zip!2019/frcp.xml", "fiche", 1),
        ("export.zip!2021/pps.xml", "pps", 1),
    ]
    assert {r.entity: r.loaded for r in rec}["pps_phase"] == 13


def test_one_file_holding_a_document_twice_quarantines_both_with_their_records(
    tmp_path: Path,
) -> None:
    """Copies are told apart by their file; twice in one file, a document's records cannot be,
    so both go to the duplicate rule (none of its records set aside under the other)."""
    body = TEXT.split("?>", 1)[1]
    (tmp_path / "lot.xml").write_text(f"<lot>{body}{body}</lot>", encoding="utf-8")
    _, loads, reconciliation = load(tmp_path)
    counts = {r.entity: (r.loaded, r.quarantined, r.skipped) for r in reconciliation}
    assert counts["fiche_version"] == (0, 2, 0)
    assert counts["proposal"][0] == 0 and counts["proposal"][2] == 0
    assert any(f.kind == "duplicate_key" for x in loads for f in x.findings)
