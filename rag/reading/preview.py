"""A cited page as a picture: the stored PDF of a document in the library, drawn with the cited passage highlighted
by PDFium in a guarded child (rag/reading/page_image.py); or a cited unit of another kind of file (a slide, a
sheet's rows, a section), drawn as its text (rag/reading/unit_image.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rag.accounts.users import owner_workspace
from rag.config import Settings
from rag.database.tables import Document
from rag.errors import PdfError
from rag.reading.files import kind_of, read_file
from rag.reading.known_ocr import ocr_page_lines
from rag.reading.ocr_layout import OcrLine
from rag.reading.page_image import PagePreview, PreviewError, render_page
from rag.reading.reader import Overrun, guarded
from rag.reading.unit_image import render_unit
from rag.services import Services


def page_preview(
    services: Services, doc_id: str, page: int, snippet: str = "", width: int = 900, workspace_id: str | None = None
) -> PagePreview:
    """Page `page` (1-based) of a library document, `width` pixels wide, with `snippet` highlighted; for a file
    that has no pages (a deck, a spreadsheet, a Word file, a web page), its unit `page` drawn as text."""
    path = stored_pdf(services, doc_id, workspace_id)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PreviewError(f"The stored file of {path.name} cannot be read.") from exc
    if kind_of(path) != "pdf":
        return unit_preview(data, path.suffix, page, services.settings, snippet, width)
    return render_guarded(data, page, services.settings, snippet, width, ocr_page_lines(services, doc_id, page))


def unit_preview(
    data: bytes, suffix: str, number: int, settings: Settings, snippet: str = "", width: int = 900
) -> PagePreview:
    """A unit of a file read natively (rag/reading/files.py), drawn as its text."""
    try:
        _, units = read_file(data, suffix, settings)
    except PdfError as exc:
        raise PreviewError(f"This part cannot be displayed: {exc}") from None
    if not 1 <= number <= len(units):
        raise PreviewError(f"This document has no part {number}.")
    unit = units[number - 1]
    return render_unit(unit.text, unit.place, snippet, width)


def stored_pdf(services: Services, doc_id: str, workspace_id: str | None = None) -> Path:
    """The stored file of a document that is in the workspace's library now; any other id is refused alike."""
    with services.sessions() as session:
        document = session.get(Document, (owner_workspace(services, workspace_id), doc_id))
    if document is None or document.status != "indexed":
        raise PreviewError("This document is no longer in your library.")
    return services.settings.storage_dir / document.stored_path


def render_guarded(
    data: bytes,
    page: int,
    settings: Settings,
    snippet: str = "",
    width: int = 900,
    ocr_lines: Sequence[OcrLine] | None = None,
) -> PagePreview:
    """The page drawn in a child under the reading's memory and a page's time (rag/reading/page_image.py): a
    671-byte PDF's page drawn in the app's own process took it to 10.2 GB. Past either, a message."""
    try:
        return guarded(
            render_page, data, settings.max_pdf_memory_mb, settings.max_page_seconds, page, snippet, width, ocr_lines
        )
    except Overrun as exc:
        if exc.kind == "crash":
            raise PreviewError("This page cannot be displayed: drawing it failed.") from None
        raise PreviewError("This page is too complex to display; the passage is quoted in the answer.") from None
