"""Ingestion speed: DocChat's pipeline against the textbook LangChain pipeline, in one process run.

    .venv/bin/python bench/ingest.py [PDF ...] [--runs 3] [--quick]

Without PDFs it uses the five manuals of bench/corpus/ the first question sets name (bench/common.py FIRST_FIVE)
(bench/corpus.sh fetches it). Both pipelines embed with the same all-MiniLM-L6-v2, loaded before the clock
starts. Prints medians over the runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from baseline import Textbook
from common import QUICK_PDF, corpus, table
from langchain_core.embeddings import Embeddings

from rag.config import Settings
from rag.indexing.chunking import chunk_pages
from rag.indexing.ingest import ingest_path
from rag.reading.pdf import read_pdf
from rag.usecases.startup import open_services


def docchat_run(pdfs: list[Path], services_factory) -> dict[str, float]:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        services = services_factory(Path(tmp) / "a")
        start = time.perf_counter()
        for pdf in pdfs:
            assert ingest_path(services, pdf).status == "indexed"
        services.store.optimize()  # one index build per batch, as rag.usecases.add_files does
        total = time.perf_counter() - start
        services.close()

        # The same work again, stage by stage, in a fresh store.
        services = services_factory(Path(tmp) / "b")
        s = services.settings
        t0 = time.perf_counter()
        docs = [(pdf, read_pdf(pdf.read_bytes(), s.max_upload_bytes)) for pdf in pdfs]
        t1 = time.perf_counter()
        chunks = [
            c
            for pdf, pages in docs
            for c in chunk_pages(
                pages, doc_id=pdf.stem, filename=pdf.name, chunk_size=s.chunk_size, chunk_overlap=s.chunk_overlap
            )
        ]
        t2 = time.perf_counter()
        vectors = services.embedding.embeddings.embed_documents([c.search_text for c in chunks])
        t3 = time.perf_counter()
        services.store.upsert(chunks, vectors)
        services.store.optimize()  # one index build per batch, as rag.usecases.add_files does
        t4 = time.perf_counter()
        services.close()
    return {
        "total": total,
        "extract": t1 - t0,
        "chunk": t2 - t1,
        "embed": t3 - t2,
        "store": t4 - t3,
        "pages": sum(len(p) for _, p in docs),
        "chunks": len(chunks),
    }


class TimedEmbeddings(Embeddings):
    """Times the embedding calls inside from_documents, which splits its embed stage from its store stage."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.seconds = inner, 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        start = time.perf_counter()
        vectors = self.inner.embed_documents(texts)
        self.seconds += time.perf_counter() - start
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def textbook_run(pdfs: list[Path], textbook: Textbook) -> dict[str, float]:
    timed = TimedEmbeddings(textbook.embeddings)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        pages = textbook.load(pdfs)
        t1 = time.perf_counter()
        chunks = textbook.split(pages)
        t2 = time.perf_counter()
        store = textbook.index(chunks, Path(tmp) / "q", timed)
        total = time.perf_counter() - start
        store.client.close()
        embed = timed.seconds
    return {
        "total": total,
        "extract": t1 - start,
        "chunk": t2 - t1,
        "embed": embed,
        "store": max(total - (t2 - start) - embed, 0.0),
        "pages": len(pages),
        "chunks": len(chunks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one small PDF, one run: a smoke test")
    args = parser.parse_args()
    pdfs = [QUICK_PDF] if args.quick else corpus(args.pdfs)
    runs = 1 if args.quick else args.runs

    embedding = None

    def services_factory(storage: Path):  # type: ignore[no-untyped-def]
        nonlocal embedding
        services = open_services(Settings(_env_file=None, storage_dir=storage), embedding)
        embedding = services.embedding
        services.embedding.embeddings  # noqa: B018 - loaded before any clock starts
        return services

    textbook = Textbook()
    textbook.embeddings.embed_query("warm up")
    results: dict[str, list[dict[str, float]]] = {"DocChat": [], "textbook": []}
    for _ in range(runs):
        results["textbook"].append(textbook_run(pdfs, textbook))
        results["DocChat"].append(docchat_run(pdfs, services_factory))

    med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in results.items()}
    rows = [
        [
            name,
            m["pages"],
            m["chunks"],
            m["total"],
            m["pages"] / m["total"],
            m["chunks"] / m["total"],
            m["extract"],
            m["chunk"],
            m["embed"],
            m["store"],
        ]
        for name, m in med.items()
    ]
    names = ", ".join(p.name for p in pdfs)
    table(
        f"Ingestion, medians of {runs} run(s): {names}",
        ["pipeline", "pages", "chunks", "total s", "pages/s", "chunks/s", "extract s", "chunk s", "embed s", "store s"],
        rows,
    )
    d, b = med["DocChat"], med["textbook"]
    print(f"\nDocChat / textbook pages/s:        {(d['pages'] / d['total']) / (b['pages'] / b['total']):.2f}x")
    print(
        f"DocChat total / embedding floor:   {d['total'] / d['embed']:.2f}x  "
        f"(floor: pure embedding of DocChat's {int(d['chunks'])} chunks, {d['embed']:.2f} s)"
    )


if __name__ == "__main__":
    main()
