"""The native reader of each kind of file, and the limits every reading keeps: what a unit and a whole file may
hold. Called in a guarded child (rag/reading/files.py), never in the app's own process: a small file can unpack,
or parse, into gigabytes."""

from __future__ import annotations

from collections.abc import Callable

from rag.errors import PdfError
from rag.reading.formats import decks, mail, sheets, web, word
from rag.reading.formats.units import Unit
from rag.reading.page import Page

READERS: dict[str, Callable[[bytes], tuple[list[Unit], str | None]]] = {
    "docx": word.read_docx,
    "odt": word.read_odt,
    "pptx": decks.read_pptx,
    "odp": decks.read_odp,
    "xlsx": sheets.read_xlsx,
    "ods": sheets.read_ods,
    "csv": sheets.read_csv,
    "html": web.read_html,
    "markdown": web.read_markdown,
    "text": web.read_text,
    "email": mail.read_email,
}
UNIT_CHARS = "Part {place} of this file holds far more text than any real document (over {limit:,} characters)."
TOO_MUCH = (
    "This file holds more text than DocChat indexes in one document (over {limit:,} passages); split it into smaller "
    "files and upload them one by one."
)


def read_native(
    data: bytes, kind: str, page_chars: int, max_passages: int, chunk_size: int
) -> tuple[list[Page], str | None]:
    """The file's units and the title it declares; PdfError with the reason when it cannot be read, or holds more
    than `page_chars` in a unit or surely more than `max_passages` passages of `chunk_size` in all."""
    try:
        units, title = READERS[kind](data)
    except (PdfError, MemoryError):
        raise
    except Exception as exc:
        raise PdfError("The file is damaged and cannot be read.") from exc
    pages = [
        Page(number, unit.text, (unit.starts,) if unit.starts else (), landscape=unit.landscape, unit=unit.unit,
             place=unit.place)
        for number, unit in enumerate(units, 1)
    ]  # fmt: skip
    total = 0
    for page in pages:
        if len(page.text) > page_chars:
            raise PdfError(UNIT_CHARS.format(place=page.place, limit=page_chars))
        total += len(page.text)
    if total > max_passages * chunk_size:
        raise PdfError(TOO_MUCH.format(limit=max_passages))
    return pages, real_title(title)


# What programs fill in for a title nobody wrote.
_PLACEHOLDER_TITLES = frozenset({"powerpoint presentation", "presentation", "document", "untitled", "title", "slide 1"})


def real_title(title: str | None) -> str | None:
    """The title a file declares, when a person wrote it: not "PowerPoint Presentation", nor a file name."""
    title = " ".join((title or "").split())
    lowered = title.lower()
    if len(title) < 3 or lowered in _PLACEHOLDER_TITLES or lowered.startswith("microsoft word - "):
        return None
    if lowered.endswith((".doc", ".docx", ".ppt", ".pptx", ".xls", ".xlsx", ".odt", ".html", ".txt")):
        return None
    return title[:150]
