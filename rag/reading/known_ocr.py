"""What OCR read on a library document's scanned pages when it was indexed, kept in its record: a scanned page is
never read by OCR twice (a card, a section summary, a re-index or a page's preview would wait a second a page)."""

from __future__ import annotations

from sqlalchemy import select

from rag.database.tables import Document
from rag.reading.ocr_layout import OcrLine
from rag.services import Services


def parse_ocr(stored: dict[str, list] | None) -> dict[int, tuple[OcrLine, ...]]:
    return {int(page): tuple(OcrLine.from_list(line) for line in lines) for page, lines in (stored or {}).items()}


def known_ocr(services: Services, doc_id: str) -> dict[int, tuple[OcrLine, ...]]:
    """The content's OCR lines by page; every record of the same content holds the same."""
    query = select(Document.ocr_lines).where(Document.doc_id == doc_id, Document.ocr_lines.is_not(None)).limit(1)
    with services.sessions() as session:
        return parse_ocr(session.scalar(query))


def ocr_page_lines(services: Services, doc_id: str, page: int) -> tuple[OcrLine, ...] | None:
    """The lines OCR read on one page, or None when the page has a text layer (or was indexed before OCR)."""
    return known_ocr(services, doc_id).get(page)
