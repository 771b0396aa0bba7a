"""Document cards on the benchmark manuals: the outline against the PDF's own bookmarks, how many chapters the
extractive summary touches, and what building the card costs beside the whole ingestion.

    .venv/bin/python bench/cards.py [PDF ...] [--runs 3] [--quick]

Without PDFs it uses the five manuals of bench/corpus/ the first question sets name (bench/common.py FIRST_FIVE)
(bench/corpus.sh fetches it); --quick runs once on ../shared/corpus. The bookmarks are read here with pypdf,
independently of DocChat, which reads them with PDFium. The card is timed inside each ingestion, so that both
figures come from the same run on a machine whose load varies. Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import SHARED, corpus, table
from pypdf import PdfReader

import rag.indexing.ingest
from rag.config import Settings
from rag.indexing.cards import DocumentCard, build_card
from rag.indexing.library_cards import document_cards
from rag.models.embeddings import build_embeddings
from rag.usecases.startup import open_services

CARD_SECONDS: list[float] = []


def timed_build_card(*args, **kwargs) -> DocumentCard:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    card = build_card(*args, **kwargs)
    CARD_SECONDS.append(time.perf_counter() - start)
    return card


def bookmarks(pdf: Path) -> list[tuple[str, int]]:
    """The top-level bookmarks, (title, 1-based page), as pypdf reads them."""
    reader = PdfReader(pdf)
    found = []
    for item in reader.outline:
        if isinstance(item, list):  # the children of the entry before
            continue
        try:
            found.append((" ".join(str(item.title).split()), reader.get_destination_page_number(item) + 1))
        except Exception:  # noqa: BLE001 - a broken bookmark is left out, as DocChat leaves it out
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="../shared/corpus, one run: a smoke test")
    args = parser.parse_args()
    pdfs = sorted(SHARED.glob("*.pdf")) if args.quick else corpus(args.pdfs)
    runs = 1 if args.quick else args.runs

    settings = Settings(_env_file=None)
    embedding = build_embeddings(settings)
    embedding.embeddings.embed_query("warm up")  # loaded before any clock starts
    rag.indexing.ingest.build_card = timed_build_card
    rows, differences = [], []
    for pdf in pdfs:
        card_s, ingest_s = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)), embedding)
                start = time.perf_counter()
                result = rag.indexing.ingest.ingest_path(services, pdf)
                ingest_s.append(time.perf_counter() - start)
                card_s.append(CARD_SECONDS.pop())
                assert result.status == "indexed" and result.doc_id is not None, result.error
                card = document_cards(services)[result.doc_id]  # as stored
                services.close()

        expected, ours = bookmarks(pdf), [(e.title, e.page) for e in card.top_sections()]
        match = ("yes" if ours == expected else "no") if expected else "n/a"
        if expected and ours != expected:
            differences.append(f"{pdf.name}: bookmarks {expected}\n{' ' * len(pdf.name)}  card      {ours}")
        card_median, ingest_median = statistics.median(card_s), statistics.median(ingest_s)
        share = statistics.median(c / i for c, i in zip(card_s, ingest_s, strict=True))
        rows.append(
            [
                pdf.name,
                card.pages,
                len(expected),
                len(ours),
                card.outline_source,
                match,
                len(card.summary),
                len({s.section for s in card.summary if s.section}),
                card_median,
                ingest_median,
                f"{100 * share:.1f}%",
            ]
        )
    table(
        f"Document cards, medians of {runs} run(s)",
        [
            "document",
            "pages",
            "bookmarks top",
            "card top",
            "outline from",
            "exact match",
            "summary sentences",
            "sections touched",
            "card s",
            "ingest s",
            "card share",
        ],
        rows,
    )
    print("\n(exact match: the top-level titles and pages equal the bookmarks'; sections touched: target >= 3)")
    for difference in differences:
        print(difference)


if __name__ == "__main__":
    main()
