"""Splits page texts into chunks that each belong to exactly one page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.pdf import Page

_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# pypdf leaves words hyphenated across line ends ("hyphen-\nated"); joining them helps both retrievers.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    filename: str
    page: int  # 1-based physical page; a chunk never spans two pages
    chunk_index: int
    text: str

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Chunk:
        return cls(**{name: payload[name] for name in cls.__dataclass_fields__})


def clean_text(text: str) -> str:
    text = text.replace("\x00", "")
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def iter_chunks(
    pages: Iterable[Page], *, doc_id: str, filename: str, chunk_size: int, chunk_overlap: int
) -> Iterator[Chunk]:
    """Chunks as the pages come, so embedding can start before the last page is read."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    index = 0
    # Splitting each page on its own keeps every chunk's page exact, which citations rely on.
    for page in pages:
        for piece in splitter.split_text(clean_text(page.text)):
            yield Chunk(doc_id, filename, page.number, index, piece)
            index += 1


def chunk_pages(
    pages: Iterable[Page], *, doc_id: str, filename: str, chunk_size: int, chunk_overlap: int
) -> list[Chunk]:
    return list(
        iter_chunks(pages, doc_id=doc_id, filename=filename, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    )
