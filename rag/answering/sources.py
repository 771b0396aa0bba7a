"""A cited passage, as answers, quotes, summaries and the front ends carry it."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.documents import Document as LCDocument

from rag.schemas import Source


def to_sources(docs: Sequence[LCDocument]) -> list[Source]:
    return [
        Source(
            d.metadata["doc_id"],
            d.metadata["filename"],
            d.metadata["page"],
            d.metadata["snippet"],
            round(float(d.metadata["score"]), 4),
            ocr=bool(d.metadata.get("ocr")),
            unit=d.metadata.get("unit", "page"),
            place=d.metadata.get("place", ""),
        )
        for d in docs
    ]
