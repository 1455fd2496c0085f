"""A report rendered as PDF with reportlab: a cover (network, year, snapshot, generation date,
data-quality status, statistical secrecy), one part per section, page numbers "page n / N"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as Grid

from reports.charts import drawing
from reports.fmt import THIN, cell, long_date, secrecy_note
from reports.model import BarChart, Note, Report, Section, Table
from warehouse.read.secrecy import label

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
BUNDLED = Path(reportlab.__file__).parent / "fonts"
BLUE = colors.HexColor("#1f5f8b")
MASKED = colors.HexColor("#a0341c")
WIDTH = A4[0] - 36 * mm
WIDE = landscape(A4)[0] - 36 * mm  # a section laid out in landscape (the objectives tables)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    narrow: bool  # has the narrow no-break space (U+202F)


@cache
def fonts() -> Fonts:
    """DejaVu Sans where the system has it, else Bitstream Vera shipped with reportlab (which
    lacks U+202F: a plain no-break space stands for it)."""
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    narrow = regular.exists() and bold.exists()
    if not narrow:
        regular, bold = BUNDLED / "Vera.ttf", BUNDLED / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont("RapportSans", str(regular)))
    pdfmetrics.registerFont(TTFont("RapportSans-Bold", str(bold)))
    return Fonts("RapportSans", "RapportSans-Bold", narrow)


class Styles:
    def __init__(self, regular: str, bold: str) -> None:
        base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=12, alignment=TA_LEFT)
        self.body = base
        self.small = ParagraphStyle("small", base, fontSize=7.5, leading=9.5)
        self.note = ParagraphStyle("note", base, fontSize=7.5, leading=9.5, textColor=MASKED)
        self.cell = ParagraphStyle("cell", base, fontSize=8, leading=9.5)
        self.head = ParagraphStyle("head", base, fontName=bold, fontSize=8, leading=9.5)
        self.head_right = ParagraphStyle("head_right", self.head, alignment=TA_RIGHT)
        self.h1 = ParagraphStyle(
            "h1",
            base,
            fontName=bold,
            fontSize=16,
            leading=20,
            textColor=BLUE,
            spaceBefore=10,
            spaceAfter=6,
        )
        self.h2 = ParagraphStyle(
            "h2", base, fontName=bold, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=4
        )
        self.title = ParagraphStyle(
            "title", base, fontName=bold, fontSize=22, leading=27, textColor=BLUE
        )
        self.year = ParagraphStyle(
            "year", base, fontName=bold, fontSize=40, leading=46, textColor=BLUE
        )


def _text(value: str, markup: bool = True) -> str:
    """Escaped for Paragraph markup; without DejaVu, U+202F becomes a plain no-break space."""
    if markup:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value if fonts().narrow else value.replace(THIN, "\u00a0")


def widths(
    t: Table, cells: list[list[str]], font: str, bold: str, width: float = WIDTH
) -> list[float]:
    """Number columns as wide as their longest header word or value; text columns share the
    rest in proportion to their content (capped), so short codes do not take half the page."""
    numbers, texts, heads = {}, {}, {}
    for j, c in enumerate(t.columns):
        words = max(pdfmetrics.stringWidth(w, bold, 8) for w in c.label.split() or [""])
        heads[j] = words + 14
        values = max((pdfmetrics.stringWidth(r[j], font, 8) for r in cells), default=0)
        if c.kind == "text":
            texts[j] = min(max(words, values), 90 * mm) + 14
        else:
            numbers[j] = max(words, values, 11 * mm) + 16  # 2 × 6 pt of cell padding
    room = width - sum(numbers.values())
    scale = room / sum(texts.values()) if texts else 1
    if texts and scale < 1:  # not enough room: text columns shrink (and wrap), not their header
        texts = {j: max(w * scale, heads[j]) for j, w in texts.items()}
    elif texts:  # room to spare: the first text column takes it
        first = min(texts)
        texts[first] += room - sum(texts.values())
    return [texts.get(j, numbers.get(j, 0.0)) for j in range(len(t.columns))]


def grid(t: Table, st: Styles, threshold: int, width: float = WIDTH) -> list[Any]:
    """A section table: header repeated on each page, numbers right-aligned, masked in colour."""
    head = [
        Paragraph(_text(c.label), st.head if c.kind == "text" else st.head_right) for c in t.columns
    ]
    cells = [
        [cell(v, c.kind, threshold) for v, c in zip(row, t.columns, strict=True)] for row in t.rows
    ]
    body = [
        [
            Paragraph(_text(v), st.cell) if c.kind == "text" else _text(v, markup=False)
            for v, c in zip(row, t.columns, strict=True)
        ]
        for row in cells
    ]
    style = [
        ("FONT", (0, 0), (-1, -1), st.cell.fontName, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe9f1")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, BLUE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    masked = False
    for j, c in enumerate(t.columns):
        if c.kind != "text":
            style.append(("ALIGN", (j, 0), (j, -1), "RIGHT"))
            for i, row in enumerate(t.rows, start=1):
                if row[j] is None:
                    masked = True
                    style.append(("TEXTCOLOR", (j, i), (j, i), MASKED))
    flow: list[Any] = [Paragraph(_text(t.title), st.h2)]
    if not t.rows:
        return [*flow, Paragraph("Aucune donnée pour ce périmètre.", st.small)]
    cols = widths(t, cells, st.cell.fontName, st.head.fontName, width)
    flow.append(Grid([head, *body], colWidths=cols, repeatRows=1, style=TableStyle(style)))
    notes = [t.note] if t.note else []
    if masked:
        notes.append(
            f"« {label(None, threshold)} » : valeur masquée (secret statistique, voir la note "
            "de la page de garde)."
        )
    flow += [Paragraph(_text(n), st.note if "secret" in n else st.small) for n in notes]
    return flow


def chart(c: BarChart, st: Styles, threshold: int) -> list[Any]:
    if not c.categories:
        return []
    return [
        KeepTogether(
            [Paragraph(_text(c.title), st.h2), drawing(c, WIDTH, st.body.fontName, threshold)]
        )
    ]


def section(s: Section, st: Styles, threshold: int, first: bool, turn: bool = False) -> list[Any]:
    """A section starts a page after the cover, else wherever 90 mm are left; a landscape one,
    or the first after it (`turn`), on a page of its own orientation."""
    width = WIDE if s.landscape else WIDTH
    if s.landscape or turn:
        start: list[Any] = [NextPageTemplate("landscape" if s.landscape else "portrait")]
        start.append(PageBreak())
    else:
        start = [PageBreak() if first else CondPageBreak(90 * mm)]
    flow: list[Any] = [*start, Paragraph(_text(s.title), st.h1)]
    if s.intro:
        flow.append(Paragraph(_text(s.intro), st.small))
    for b in s.blocks:
        if isinstance(b, Table):
            flow += [CondPageBreak(45 * mm), *grid(b, st, threshold, width)]
        elif isinstance(b, BarChart):
            flow += chart(b, st, threshold)
        elif isinstance(b, Note):
            flow.append(Paragraph(_text(b.text), st.small))
        flow.append(Spacer(1, 4))
    return flow


def cover(r: Report, st: Styles) -> list[Any]:
    generated = long_date(datetime.fromisoformat(r.generated_at))
    facts = [
        ("Réseau", r.network),
        ("Périmètre", r.subtitle),
        ("Année", str(r.year)),
        ("Instantané de l'entrepôt", r.snapshot),
        ("Généré le", generated),
        ("Qualité des données", r.quality),
    ]
    rows = [[Paragraph(_text(k), st.head), Paragraph(_text(v), st.cell)] for k, v in facts]
    table = Grid(rows, colWidths=[45 * mm, WIDTH - 45 * mm])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8d4de")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    contents = [Paragraph(_text(f"{i}. {s.title}"), st.body) for i, s in enumerate(r.sections, 1)]
    secrecy = (
        secrecy_note(r.threshold, r.max_noise)
        if r.secrecy
        else "Rapport nominatif : aucun effectif n'est masqué (rôle habilité)."
    )
    return [
        Spacer(1, 30 * mm),
        Paragraph(_text(r.network), st.h2),
        Paragraph(_text(r.title), st.title),
        Spacer(1, 4 * mm),
        Paragraph(_text(r.subtitle), st.body),
        Spacer(1, 8 * mm),
        Paragraph(str(r.year), st.year),
        Spacer(1, 10 * mm),
        table,
        Spacer(1, 8 * mm),
        Paragraph("Secret statistique", st.h2),
        Paragraph(_text(secrecy), st.small),
        Spacer(1, 6 * mm),
        Paragraph("Sommaire", st.h2),
        *contents,
    ]


def numbered(report: Report, font: str) -> type[Canvas]:
    """A canvas class that writes the running header and "page n / N" once N is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            w, h = self._pagesize
            self.setFont(font, 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            page = self._pageNumber
            self.drawCentredString(w / 2, 10 * mm, f"page {page} / {total}")
            if page > 1:
                self.drawString(18 * mm, h - 12 * mm, _text(f"{report.network} — {report.year}"))
                self.drawRightString(w - 18 * mm, h - 12 * mm, _text(report.subtitle))
                self.setStrokeColor(colors.HexColor("#c8d4de"))
                self.line(18 * mm, h - 13.5 * mm, w - 18 * mm, h - 13.5 * mm)
                self.drawString(18 * mm, 10 * mm, f"instantané {report.snapshot}")

    return NumberedCanvas


def styles() -> Styles:
    """The paragraph styles of the reports, in the fonts this system has."""
    f = fonts()
    return Styles(f.regular, f.bold)


def render(report: Report, path: Path) -> Path:
    f = fonts()
    st = styles()
    doc = BaseDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
        title=f"{report.title} {report.year}",
        author=report.network,
        subject=report.subtitle,
        lang="fr-FR",
    )
    templates = []
    for name, size in (("portrait", A4), ("landscape", landscape(A4))):
        frame = Frame(18 * mm, 16 * mm, size[0] - 36 * mm, size[1] - 34 * mm, id=name)
        templates.append(PageTemplate(id=name, frames=[frame], pagesize=size))
    doc.addPageTemplates(templates)
    flow = cover(report, st)
    previous = False
    for i, s in enumerate(report.sections):
        flow += section(s, st, report.threshold, first=i == 0, turn=previous and not s.landscape)
        previous = s.landscape
    doc.build(flow, canvasmaker=numbered(report, f.regular))
    return path
