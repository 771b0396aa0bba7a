"""A cited passage, as answers, quotes, summaries and the front ends carry it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from langchain_core.documents import Document as LCDocument


@dataclass(frozen=True)
class Source:
    doc_id: str
    filename: str
    page: int
    snippet: str
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


def to_sources(docs: Sequence[LCDocument]) -> list[Source]:
    return [
        Source(
            d.metadata["doc_id"],
            d.metadata["filename"],
            d.metadata["page"],
            d.metadata["snippet"],
            round(float(d.metadata["score"]), 4),
        )
        for d in docs
    ]
