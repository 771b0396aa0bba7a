"""A passage as the store holds it: its text, where it sits in its document, and what is searched."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    filename: str
    page: int  # 1-based physical page; a chunk never spans two pages
    chunk_index: int
    text: str
    # "Document title > section" where the passage sits. It is embedded and indexed with the text, so
    # "how do I install it" finds the install section of the right manual, but never shown as a snippet.
    context: str = ""
    ocr: bool = False  # its page had no text layer and was read by OCR: the words may hold misreadings
    # What its page is to a reader: a page, a slide of a deck (rag/indexing/slides.py), cited "slide 7", or a unit
    # of another kind of file (Page.unit).
    unit: Literal["page", "slide", "sheet", "section", "part"] = "page"
    # How a citation names a unit of a file that has no pages (rag/reading/formats/): "slide 3", "section “Fees”".
    place: str = ""
    # Its document's language (rag/language/), whose words its keyword search is indexed in; "" for English, or
    # for passages stored before languages were told apart, which were indexed as English.
    language: str = ""

    @property
    def search_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Chunk:
        # Passages stored before a field existed lack it, and take its default.
        return cls(**{name: payload[name] for name in cls.__dataclass_fields__ if name in payload})
