"""A page as the rest of DocChat sees it: its text, the sections that start on it, and what OCR read there; or a
unit of another kind of file (a slide, a sheet's rows, a section) that is cited as one."""

from __future__ import annotations

from dataclasses import dataclass

from rag.reading.ocr_layout import OcrLine


@dataclass(frozen=True)
class Page:
    number: int  # 1-based physical page
    text: str
    # Outline (bookmark) sections that start on this page, in reading order, each as its path of titles.
    sections: tuple[tuple[str, ...], ...] = ()
    # A page without a text layer, read by OCR: the lines it read with their boxes; None for a text page.
    ocr_lines: tuple[OcrLine, ...] | None = None
    unreadable: bool = False  # OCR read no text on it: skipped, and counted
    # The lines printed on every page taken off its text (rag/reading/furniture.py): "Shared MIME-info Database".
    # Not what the page says, but where it sits: searched with its passages, never quoted.
    heads: tuple[str, ...] = ()
    # Wider than tall as a viewer shows it (rag/reading/checks.py landscape_pages): a slide deck's pages are.
    landscape: bool = False
    # What the page is to a reader of a file that is not a PDF (rag/reading/formats/): "slide", "sheet", "section",
    # "part"; and how a citation names it: "slide 3", "sheet “Budget”, rows 2–41", "section “Install”".
    unit: str = "page"
    place: str = ""

    @property
    def ocr(self) -> bool:
        return self.ocr_lines is not None and not self.unreadable
