"""Slide decks (.pptx, with python-pptx; .odp, with odfpy): a unit a slide, cited "slide 3", its title first, then
its text boxes from the top down, its tables a row a line under their header, and its speaker notes last, labelled
as notes. Pictures, charts' data and embedded objects are not opened."""

from __future__ import annotations

import io

from rag.errors import PdfError
from rag.reading.formats.archives import checked
from rag.reading.formats.opendocument import all_under, load, odf_rows
from rag.reading.formats.units import Unit, clean, table_lines

NOTHING = "The slides hold no text to search."
NOTES = "Speaker notes:"


def slide_unit(number: int, title: str, lines: list[str], notes: str) -> Unit:
    title = clean(title)
    body = [line.strip() for line in lines if line.strip()]
    notes = "\n".join(line.strip() for line in notes.splitlines() if line.strip())
    text = "\n".join([*([title] if title else []), *body, *([f"{NOTES} {notes}"] if notes else [])])
    return Unit(text, "slide", f"slide {number}", (title,) if title else (), landscape=True)


def read_pptx(data: bytes) -> tuple[list[Unit], str | None]:
    checked(data)  # before its parser is even imported: a bomb is refused for nothing
    import pptx  # python-pptx: imported in the reader's child only

    try:
        deck = pptx.Presentation(io.BytesIO(data))
    except (ValueError, KeyError, OSError, AttributeError, TypeError, SyntaxError) as exc:
        raise PdfError("The PowerPoint file is damaged and cannot be read.") from exc
    slides = []
    feet: set[str] = set()
    for number, slide in enumerate(deck.slides, 1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text if title_shape is not None and title_shape.has_text_frame else ""
        lines: list[str] = []
        for shape in _in_reading_order(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            foot = _running_foot(shape)
            if foot is None:
                lines.extend(_shape_lines(shape))
            elif foot and foot not in feet:
                feet.add(foot)  # said once, on the first slide that shows it
                lines.append(foot)
        notes = ""
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text
        slides.append(slide_unit(number, title, lines, notes))
    if not any(unit.text.strip() for unit in slides):
        raise PdfError(NOTHING)
    title = (deck.core_properties.title or "").strip() or None
    return slides, title


def _in_reading_order(shapes: object) -> list:
    # Top to bottom, then left to right: the order the file keeps is the order they were drawn in.
    return sorted(shapes, key=lambda s: ((s.top or 0) // 50_000, s.left or 0))  # type: ignore[attr-defined]


def _running_foot(shape: object) -> str | None:
    """A deck's running foot or date ("l TANGO Meeting l 20 May 2015 l ..."), "" for a slide number ("Page 2"), None
    for what a slide says. They are on every slide, like a PDF's running heads: a foot is read once, where it first
    shows (it may be the only place the talk's date is written); a slide number never."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    if not getattr(shape, "is_placeholder", False):
        return None
    kind = shape.placeholder_format.type  # type: ignore[attr-defined]
    if kind == PP_PLACEHOLDER.SLIDE_NUMBER:
        return ""
    if kind in (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE):
        return " ".join(shape.text_frame.text.split()) if shape.has_text_frame else ""  # type: ignore[attr-defined]
    return None


def _shape_lines(shape: object) -> list[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if getattr(shape, "shape_type", None) == MSO_SHAPE_TYPE.GROUP:
        return [line for inner in _in_reading_order(shape.shapes) for line in _shape_lines(inner)]  # type: ignore[attr-defined]
    if getattr(shape, "has_table", False):
        table = shape.table  # type: ignore[attr-defined]
        return table_lines([[cell.text for cell in row.cells] for row in table.rows])
    if getattr(shape, "has_text_frame", False):
        return [paragraph_text(p) for p in shape.text_frame.paragraphs]  # type: ignore[attr-defined]
    return []


def paragraph_text(paragraph: object) -> str:
    return "".join(run.text for run in paragraph.runs) or getattr(paragraph, "text", "")  # type: ignore[attr-defined]


def read_odp(data: bytes) -> tuple[list[Unit], str | None]:
    checked(data)  # before its parser is even imported: a bomb is refused for nothing
    from odf import teletype  # odfpy: imported in the reader's child only
    from odf.namespaces import DRAWNS, PRESENTATIONNS, TABLENS, TEXTNS

    document = load(data, "The OpenDocument presentation is damaged and cannot be read.")
    slides = []
    drawn = [n for n in document.presentation.childNodes if getattr(n, "qname", None) == (DRAWNS, "page")]
    for number, slide in enumerate(drawn, 1):
        title, lines, notes = "", [], ""
        for node in slide.childNodes:
            qname = getattr(node, "qname", None)
            if qname == (PRESENTATIONNS, "notes"):
                notes = "\n".join(teletype.extractText(p) for p in all_under(node, (TEXTNS, "p")))
                continue
            if not hasattr(node, "getAttrNS"):
                continue  # text between the elements
            if node.getAttrNS(PRESENTATIONNS, "class") == "title" and not title:
                title = teletype.extractText(node)
                continue
            tables = all_under(node, (TABLENS, "table"))
            if tables:
                for table in tables:
                    lines.extend(table_lines(odf_rows(table)))
                continue
            lines.extend(teletype.extractText(p) for p in all_under(node, (TEXTNS, "p")))
        slides.append(slide_unit(number, title, lines, notes))
    if not any(unit.text.strip() for unit in slides):
        raise PdfError(NOTHING)
    return slides, None
