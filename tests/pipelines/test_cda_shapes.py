"""Shapes of the volets that the agency's other examples take, beside the two of `../shared/cda/`
(ansforge/TestContenuCDA-3-0, `ExemplesCDA/`): a cross-cutting RCP
(CANCER-FRCP_2022.01_Transversale: the RCP named alone, no apparatus nor organ but the treatment
or care concerned, the tumour's topography written in ICD-O-3) and a PPS that is a plain
ClinicalDocument rather than one wrapped in its own stylesheet (..._feuille-de-style-externe).
Each is built here from the shipped example with only what differs, as those files have it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.pipelines.cda_support import PPS, changed, folder, load, rows

LABEL = "<originalText>ONCO PAYS DE LA LOIRE / 3C CHU Angers / Sein</originalText>"
TITLE = "<title>FRCP ONCO PAYS DE LA LOIRE / 3C CHU Angers / Sein</title>"
TOPOGRAPHY_ICD10 = (
    '<code code="C50.2" displayName="Tumeur maligne du quadrant supéro-interne du sein" '
    'codeSystem="2.16.840.1.113883.6.3" codeSystemName="CIM-10" />'
)
MORPHOLOGY = 'code="8000/3"'
ORGAN = (  # the organ observation under the apparatus one, as the organ RCP's example has it
    '<entryRelationship typeCode="REFR">\n                    <observation classCode="OBS" '
    'moodCode="EVN">\n                      <!-- Conformité IHE PCC -->\n                      '
    '<templateId root="1.3.6.1.4.1.19376.1.5.3.1.4.13"/>\n                      <!-- Conformité '
    'CI-SIS -->\n                      <templateId root="1.2.250.1.213.1.1.3.48"/>\n'
    '                      <id root="DAB13486-B7C7-419B-B2BA-15A2CFE43DF8" />\n'
)
APPARATUS = (
    '<code code="ORG-118" displayName="Appareil concerné" codeSystem="1.2.250.1.213.1.1.4.322" '
    'codeSystemName="TA_ASIP" />'
)
APPARATUS_VALUE = (
    '<value xsi:type="CD" code="76752008" displayName="sein" '
    'codeSystem="2.16.840.1.113883.6.96" codeSystemName="SNOMED CT" />'
)


def icdo(topography: str) -> tuple[str, str]:
    """The topography written in ICD-O-3 (CIM-O) instead of ICD-10, as the cross-cutting
    example writes it."""
    return TOPOGRAPHY_ICD10, (
        f'<code code="{topography}" displayName="Topographie" '
        'codeSystem="2.16.840.1.113883.6.43.1" codeSystemName="CIM-O" />'
    )


def transversale() -> str:
    """The agency's cross-cutting example, from its organ one: what the two files differ by."""
    text = changed(
        (LABEL, "<originalText>Soins de support</originalText>"),
        (TITLE, "<title>FRCP ONCO PAYS DE LA LOIRE / 3C CHU Angers / Soins de support</title>"),
        icdo("C50.2"),
        (
            'code="ORG-117" displayName="RCP Appareil - Organes"',
            'code="ORG-132" displayName="RCP Transversale et de soins de support"',
        ),
        (
            APPARATUS,
            '<code code="ORG-138" displayName="Traitement / Soins" '
            'codeSystem="1.2.250.1.213.1.1.4.322" codeSystemName="TA_ASIP" />',
        ),
    )
    start = text.index(ORGAN)  # no organ: the observation and its entryRelationship go
    end = text.index("</entryRelationship>", start) + len("</entryRelationship>")
    text = text[:start] + text[end:]
    value = text.index(APPARATUS_VALUE)  # the care concerned, JDV_TraitementSoins_FRCP_CISIS
    care = (
        '<value xsi:type="CD" code="C15747" displayName="Soins de support" '
        'codeSystem="2.16.840.1.113883.3.26.1.1" codeSystemName="NCIT" />'
    )
    return text[:value] + care + text[value + len(APPARATUS_VALUE) :]


FICHE = (
    "SELECT rcp_label, rrc_name, c3_name, rcp_name, nature, apparatus, organ_code, care_type, "
    'icd10, topography, topography_system, morphology FROM raw."frcp__fiche"'
)


def test_a_cross_cutting_rcp_is_read_with_its_name_its_care_and_its_tumour(
    tmp_path: Path,
) -> None:
    con, _, reconciliation = load(folder(tmp_path, transversale=transversale()))
    [fiche] = rows(con, FICHE)
    assert fiche == {
        "rcp_label": "Soins de support",
        # the RCP's dénomination alone: the RRC and the 3C come from the title
        "rrc_name": "ONCO PAYS DE LA LOIRE",
        "c3_name": "3C CHU Angers",
        "rcp_name": "Soins de support",
        "nature": "ORG-132",  # RCP transversale et de soins de support
        "apparatus": None,
        "organ_code": None,
        "care_type": "C15747",  # soins de support
        # ICD-O-3 topography C50.2 of a malignant tumour (8000/3) is ICD-10 C50.2
        "icd10": "C50.2",
        "topography": "C50.2",
        "topography_system": "2.16.840.1.113883.6.43.1",
        "morphology": "8000/3",
    }
    assert rows(con, "SELECT * FROM quality.quarantine") == []
    [version] = rows(con, "SELECT rcp_nature, organ, icd10 FROM mapped.fiche_version")
    assert version == {"rcp_nature": "transversale", "organ": None, "icd10": "C50.2"}
    [session] = rows(con, "SELECT entity_key, entity_name FROM mapped.session")
    assert session == {"entity_key": "27011113", "entity_name": "Soins de support"}
    assert all(r.quarantined == 0 for r in reconciliation)


@pytest.mark.parametrize(
    ("topography", "morphology", "icd10"),
    [
        ("C50.2", "8500/3", "C50.2"),  # ductal carcinoma of the breast
        ("C69.4", "8720/3", "C69.4"),  # a melanoma of the eye keeps its site
        ("C80.9", "8000/3", "C80.9"),  # primary site unknown
        ("C50.2", "8500/2", None),  # in situ: D05 in ICD-10, not C50
        ("C18.7", "8140/6", None),  # a metastasis: the site is not the primary's
        ("C44.5", "8720/3", None),  # melanoma of the skin: C43
        ("C44.5", "8090/3", "C44.5"),  # basal cell carcinoma of the skin: C44
        ("C38.4", "9050/3", None),  # mesothelioma: C45
        ("C44.5", "9140/3", None),  # Kaposi's sarcoma: C46
        ("C77.1", "9680/3", None),  # a lymphoma: C81-C96 by its morphology
        ("C42.1", "9861/3", None),  # a leukaemia, and C42 has no ICD-10 code
        ("C77.2", "8000/3", None),  # lymph nodes: secondary in ICD-10
    ],
)
def test_an_icdo_topography_is_icd10_only_where_the_conversion_is_the_code_itself(
    tmp_path: Path, topography: str, morphology: str, icd10: str | None
) -> None:
    text = changed(icdo(topography), (MORPHOLOGY, f'code="{morphology}"'))
    con, _, _ = load(folder(tmp_path, fiche=text))
    [fiche] = rows(con, 'SELECT icd10, topography, morphology FROM raw."frcp__fiche"')
    assert fiche == {"icd10": icd10, "topography": topography, "morphology": morphology}


def test_an_icd10_topography_is_taken_as_written_whatever_the_morphology(
    tmp_path: Path,
) -> None:
    con, _, _ = load(folder(tmp_path, fiche=changed((MORPHOLOGY, 'code="9680/3"'))))
    [fiche] = rows(con, 'SELECT icd10, topography_system FROM raw."frcp__fiche"')
    assert fiche == {"icd10": "C50.2", "topography_system": "2.16.840.1.113883.6.3"}


def test_a_pps_as_a_plain_clinical_document_reads_as_the_wrapped_one(tmp_path: Path) -> None:
    """The external-stylesheet PPS is the ClinicalDocument alone; the autoprésentable one wraps
    it in an XSLT of its own. Both give the same rows."""
    tree = etree.parse(str(PPS))
    [document] = tree.getroot().iter("{urn:hl7-org:v3}ClinicalDocument")
    plain = etree.tostring(document, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    assert not plain.lstrip().startswith("<xsl:") and "xsl:stylesheet" not in plain

    def read(name: str, text: str) -> tuple[list[dict], list[dict]]:
        con, _, _ = load(folder(tmp_path / name, **{name: text}))
        keep = "* EXCLUDE (_load_id, _source, _extracted_at, _file)"
        return (
            rows(con, f'SELECT {keep} FROM raw."frcp__pps"'),
            rows(con, f'SELECT {keep} FROM raw."frcp__pps_phase" ORDER BY phase_no'),
        )

    (tmp_path / "plain").mkdir()
    (tmp_path / "wrapped").mkdir()
    wrapped = read("wrapped", PPS.read_text(encoding="utf-8"))
    assert read("plain", plain) == wrapped
    assert len(wrapped[0]) == 1 and len(wrapped[1]) == 13


SUBMISSION = (  # the metadata of an XDM package's submission set (ebRIM), not a CDA document
    '<?xml version="1.0" encoding="UTF-8"?><lcm:SubmitObjectsRequest '
    'xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" '
    'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:RegistryObjectList/>'
    "</lcm:SubmitObjectsRequest>"
)


def test_an_ihe_xdm_package_as_mssante_sends_it_is_read_its_metadata_left_aside(
    tmp_path: Path,
) -> None:
    """IHE XDM (ITI-32), how MSSanté and the DMP carry documents: a zip of
    IHE_XDM/SUBSET01/DOC0001.XML... in capitals, METADATA.XML beside them, an INDEX.HTM and a
    README.TXT at the top. Every document is read; the metadata is no document to quarantine."""
    with zipfile.ZipFile(tmp_path / "message-mssante.zip", "w") as z:
        z.writestr("INDEX.HTM", "<html><body>Documents</body></html>")
        z.writestr("README.TXT", "Contenu : 2 documents")
        z.writestr("IHE_XDM/SUBSET01/METADATA.XML", SUBMISSION)
        z.writestr("IHE_XDM/SUBSET01/DOC0001.XML", changed())
        z.write(PPS, "IHE_XDM/SUBSET01/DOC0002.XML")
    con, loads, _ = load(tmp_path)
    files = {f.file: (f.table, f.rows_read, f.rejected) for x in loads for f in x.files}
    assert files == {
        "message-mssante.zip!IHE_XDM/SUBSET01/DOC0001.XML": ("fiche", 1, 0),
        "message-mssante.zip!IHE_XDM/SUBSET01/DOC0002.XML": ("pps", 1, 0),
    }
    assert rows(con, "SELECT * FROM quality.quarantine") == []


def test_file_names_are_matched_whatever_their_case_and_other_xml_is_still_refused(
    tmp_path: Path,
) -> None:
    (tmp_path / "FICHE-0001.XML").write_text(changed(), encoding="utf-8")
    (tmp_path / "METADATA.XML").write_text(SUBMISSION, encoding="utf-8")  # not in a package
    con, loads, _ = load(tmp_path)
    read = {f.file: (f.rows_read, f.rejected) for x in loads for f in x.files}
    assert read == {"FICHE-0001.XML": (1, 0), "METADATA.XML": (1, 1)}
    [refused] = rows(
        con,
        "SELECT location, reason FROM quality.quarantine WHERE entity = 'fiche_version'",
    )
    assert refused["location"] == "METADATA.XML, fiche, row 1"
    assert refused["reason"].startswith("aucun ClinicalDocument HL7 CDA")


def _xdm(documents: dict[str, str]) -> bytes:
    """An XDM package of `documents` (name -> text) as the bytes of its zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("IHE_XDM/SUBSET01/METADATA.XML", SUBMISSION)
        for name, text in documents.items():
            z.writestr(f"IHE_XDM/SUBSET01/{name}", text)
    return out.getvalue()


def test_a_zip_of_packages_is_read_package_by_package_and_a_broken_one_is_quarantined(
    tmp_path: Path,
) -> None:
    """A month of messages zipped together: each package inside is opened; a `.zip` that is
    no zip, inside or beside, is a file that cannot be read, quarantined and counted."""
    with zipfile.ZipFile(tmp_path / "2019-02.zip", "w") as z:
        z.writestr("message-1.zip", _xdm({"DOC0001.XML": changed()}))
        z.writestr("message-2.zip", _xdm({"DOC0001.XML": PPS.read_text(encoding="utf-8")}))
        z.writestr("message-3.zip", b"PK pas une archive")
    (tmp_path / "message-4.zip").write_bytes(b"tronque")
    con, loads, _ = load(tmp_path)
    files = {f.file: (f.rows_read, f.rejected) for x in loads for f in x.files}
    assert files == {
        "2019-02.zip!message-1.zip!IHE_XDM/SUBSET01/DOC0001.XML": (1, 0),
        "2019-02.zip!message-2.zip!IHE_XDM/SUBSET01/DOC0001.XML": (1, 0),
        "2019-02.zip!message-3.zip": (1, 1),
        "message-4.zip": (1, 1),
    }
    reasons = {
        r["location"].split(",")[0]: r["reason"].split(";")[0]
        for r in rows(con, "SELECT location, reason FROM quality.quarantine")
    }
    assert reasons == {
        "2019-02.zip!message-3.zip": "fichier illisible : message-3.zip n'est pas une archive "
        "zip lisible",
        "message-4.zip": "fichier illisible : message-4.zip n'est pas une archive zip lisible",
    }


def test_a_zip_damaged_inside_a_zip_is_quarantined_and_the_run_goes_on(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("DOC0001.XML", changed())
    with zipfile.ZipFile(tmp_path / "2019-03.zip", "w", zipfile.ZIP_STORED) as z:
        z.writestr("message-1.zip", inner.getvalue())
        z.writestr("message-2.zip", _xdm({"DOC0001.XML": PPS.read_text(encoding="utf-8")}))
    data = bytearray((tmp_path / "2019-03.zip").read_bytes())
    data[data.index(b"DOC0001.XML") + 40] ^= 0xFF  # message-1's bytes no longer match its CRC
    (tmp_path / "2019-03.zip").write_bytes(bytes(data))
    con, loads, _ = load(tmp_path)
    files = {f.file: (f.rows_read, f.rejected) for x in loads for f in x.files}
    assert files == {
        "2019-03.zip!message-1.zip": (1, 1),
        "2019-03.zip!message-2.zip!IHE_XDM/SUBSET01/DOC0001.XML": (1, 0),
    }
    [(reason,)] = con.execute(
        "SELECT DISTINCT reason FROM quality.quarantine WHERE entity = 'fiche_version'"
    ).fetchall()
    assert reason.startswith("fichier illisible : message-1.zip n'est pas une archive zip")
