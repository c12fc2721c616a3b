"""Small PDF reports written with reportlab for the PDF reader's tests: tables, prose and charts."""

from __future__ import annotations

from pathlib import Path

import reportlab
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

# Bitstream Vera ships with reportlab and has the unicode minus, unlike the built-in Type 1 fonts.
FONT = "Vera"
pdfmetrics.registerFont(TTFont(FONT, str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=11, leading=16, spaceAfter=4)

RULED = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONTNAME", (0, 0), (-1, -1), FONT)])
BORDERLESS = TableStyle(
    [("FONTNAME", (0, 0), (-1, -1), FONT), ("ALIGN", (1, 0), (-1, -1), "RIGHT")]
)

GROWTH = [
    ["Skill", "Category", "Growth 2025"],
    ["AI video generation", "Creative", "+329%"],
    ["AI integration", "Coding", "178%"],
    ["Data annotation", "Data", "\u22125.2%"],
    ["Freelance hires", "All", "12,345"],
    ["Bookkeeping", "Finance", "1,204.5%"],
]


def cells(rows: list[list[str]]) -> list[list[Paragraph]]:
    """Cells as paragraphs, so <super> footnote marks are drawn raised and small."""
    return [[Paragraph(text, BODY) for text in row] for row in rows]


def build(path: Path, story: list) -> Path:
    SimpleDocTemplate(str(path), pagesize=A4, title="skillpulse test report", invariant=True).build(
        story
    )
    return path


def ruled_table(rows: list[list[str]], caption: str | None = None, repeat: int = 0) -> list:
    story = [Paragraph(caption, HEADING)] if caption else []
    table = Table(cells(rows), repeatRows=repeat)
    table.setStyle(RULED)
    return [*story, table, Spacer(1, 24)]


def borderless_table(rows: list[list[str]], caption: str | None = None) -> list:
    story = [Paragraph(caption, HEADING)] if caption else []
    table = Table(rows, colWidths=[150] + [90] * (len(rows[0]) - 1))
    table.setStyle(BORDERLESS)
    return [*story, table, Spacer(1, 24)]


def prose(*sentences: str) -> list:
    return [Paragraph(sentence, BODY) for sentence in sentences]


def chart() -> list:
    """A bar chart drawn as vector shapes, with no text: the figures exist only as a picture."""
    drawing = Drawing(300, 120)
    for i, height in enumerate((40, 90, 65)):
        drawing.add(Rect(20 + i * 80, 10, 50, height, fillColor="#336699", strokeColor=None))
    return [drawing]


def page_break() -> list:
    return [PageBreak()]


def justified(text: str, size: float, width: float) -> list:
    """A justified paragraph in a narrow column: stretched spaces that can line up like columns."""
    style = ParagraphStyle("justified", parent=BODY, fontSize=size, leading=size + 2, alignment=4)
    return [Table([[Paragraph(text, style)]], colWidths=[width])]


def two_column_article(path: Path, text: str) -> Path:
    """An article set in two text columns, as many PDF reports are."""
    width, height = A4
    column = (width - 120) / 2
    frames = [Frame(50, 50, column, height - 100), Frame(70 + column, 50, column, height - 100)]
    document = BaseDocTemplate(str(path), pagesize=A4, invariant=True)
    document.addPageTemplates([PageTemplate(frames=frames)])
    document.build([Paragraph(text, BODY)])
    return path
