"""A question that names a table or a figure ("What does Table 1 report?", "In Table 2, what figure of merit did
TDLSA get?") is about the page that table or figure stands on: its caption's page.

Neither search finds that page by itself. "Table 1" is two words every paper's pages share ("as Table 1 shows",
"Table 10"), and the caption's meaning is rarely the question's: on the layout set's dev questions that named one,
the caption's page was not among the five found for three of the four that asked what a table or figure shows.
So the caption is looked for as it is written, at the start of a line ("Table 1:", "Fig. 9."), in the documents
the search found, and its passage is read first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from rag.store.base import VectorStore
from rag.store.chunk import Chunk

# "Table 2", "table 6.5", "Figure 9", "Fig. 3", "Table IV": a part of a document named by its number.
_NAMED = re.compile(r"\b(table|figure|fig\.?)\s+(\d+(?:\.\d+)*|[IVX]+)\b(?!\.\d)", re.I)
# Passages looked through for the caption, among those holding its label.
CANDIDATES = 10


class Part(NamedTuple):
    kind: str  # "Table" or "Figure"
    number: str

    def labels(self) -> list[str]:
        """How a caption of it may start, as written."""
        words = ("Table", "TABLE") if self.kind == "Table" else ("Figure", "FIGURE", "Fig.", "Fig", "FIG.")
        return [f"{word} {self.number}" for word in words]

    def caption(self) -> re.Pattern[str]:
        """Its caption: the label at the start of a line, then a colon, a full stop or a dash, or nothing more on
        the line. A line of prose that cites it ("Table 1 shows ...") is no caption."""
        words = r"Table|TABLE" if self.kind == "Table" else r"Figure|FIGURE|Fig\.?|FIG\."
        number = re.escape(self.number)
        return re.compile(rf"(?m)^[ \t]*(?:{words})[ \t]+{number}(?:[ \t]*[:.—–-](?!\d)|[ \t]*$)")


def named_part(question: str) -> Part | None:
    """The table or figure the question names, if it names one."""
    match = _NAMED.search(question)
    if match is None:
        return None
    kind = "Table" if match.group(1).lower() == "table" else "Figure"
    return Part(kind, match.group(2).upper() if match.group(2).isalpha() else match.group(2))


def caption_passage(
    store: VectorStore,
    question: str,
    doc_order: Sequence[str],
    exclude: Sequence[str] | None = None,
    workspace: str | None = None,
) -> Chunk | None:
    """The passage that holds the caption of the table or figure `question` names, in the first of `doc_order`
    (the documents the search found, best first) that has one; None when it names none or none has it."""
    part = named_part(question)
    if part is None or not doc_order:
        return None
    found = store.keyword_search(
        question, CANDIDATES, list(doc_order), exclude, workspace=workspace, containing=part.labels()
    )
    caption = part.caption()
    with_caption = [c for c in found if caption.search(c.text)]
    rank = {doc_id: n for n, doc_id in enumerate(doc_order)}
    return min(with_caption, key=lambda c: rank[c.doc_id], default=None)
