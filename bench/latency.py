"""Latency: hybrid retrieval p50/p95 at 1k, 10k and 100k chunks in ten workspaces (Qdrant Edge; the store
alone with no filter, filtered on one workspace as the chat searches, and on one document of it; then the whole
retriever with the query's embedding, per-page dedup and snippets: everything before the model), and the time
to first token and tokens/s of `ask` with the local model.

    .venv/bin/python bench/latency.py [--sizes 1000 10000 100000] [--queries 200] [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import SHARED, table

from rag.answering.pipeline import draft_answer
from rag.answering.retrieval import OVERFETCH, HybridRetriever
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.models.embeddings import build_embeddings
from rag.store.chunk import Chunk
from rag.store.edge import EdgeStore
from rag.usecases.startup import open_services

WORKSPACES = 10
WORDS = (
    "parser encoding tag length structure element value definition module integer sequence choice "
    "octet string boolean object identifier certificate decode encode error buffer array node tree "
    "pattern glob magic priority mime type alias subclass icon comment namespace"
).split()


def synthetic(n: int, dim: int, rng: np.random.Generator) -> tuple[list[Chunk], np.ndarray]:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pick = random.Random(n)
    chunks = [
        Chunk(f"doc{i % 50}", f"doc{i % 50}.pdf", i % 300 + 1, i, " ".join(pick.choices(WORDS, k=60))) for i in range(n)
    ]
    return chunks, vectors


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def retrieval_rows(sizes: list[int], queries: int) -> list[list[object]]:
    rng = np.random.default_rng(0)
    embeddings = build_embeddings(Settings(_env_file=None)).embeddings
    embeddings.embed_query("warm up")
    limit = 5 * OVERFETCH  # what the chat asks the store for: top 5 pages, with room for per-page dedup
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = EdgeStore(Path(tmp), "synthetic", 384)
            chunks, vectors = synthetic(n, 384, rng)
            start = time.perf_counter()
            for i in range(0, n, 2000):
                # Ten workspaces of five documents each: the chat searches one (rag/store WORKSPACES).
                batch = chunks[i : i + 2000]
                for w in range(WORKSPACES):
                    mine = [j for j, c in enumerate(batch) if int(c.doc_id[3:]) % WORKSPACES == w]
                    store.upsert([batch[j] for j in mine], vectors[i + np.array(mine)].tolist(), [f"w{w}"])
            upsert = time.perf_counter() - start
            start = time.perf_counter()
            store.optimize()  # what DocChat does after each batch of uploads
            optimize = time.perf_counter() - start
            qs = rng.standard_normal((queries, 384)).astype(np.float32)
            qs /= np.linalg.norm(qs, axis=1, keepdims=True)
            texts = [" ".join(random.Random(q).choices(WORDS, k=6)) for q in range(queries)]
            plain, in_workspace, filtered, whole = [], [], [], []
            for q, text in zip(qs.tolist(), texts, strict=True):
                t = time.perf_counter()
                store.search(q, text, limit)
                plain.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                store.search(q, text, limit, workspace="w7")
                in_workspace.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                store.search(q, text, limit, doc_ids=["doc7"], workspace="w7")
                filtered.append((time.perf_counter() - t) * 1000)
            retriever = HybridRetriever(store=store, embeddings=embeddings, k=5, min_relevance=-1.0, workspace="w7")
            for text in texts[: max(20, queries // 4)]:
                t = time.perf_counter()
                retriever.invoke(text)
                whole.append((time.perf_counter() - t) * 1000)
            store.close()
        rows.append(
            [
                f"{n:,}",
                upsert,
                optimize,
                *percentiles(plain),
                *percentiles(in_workspace),
                *percentiles(filtered),
                *percentiles(whole),
            ]
        )
    return rows


# A different question each run: llama.cpp reuses the evaluated prompt when the same one comes again,
# which would time a cache hit (measured: 0.03 s to the first token) instead of reading the passages.
ASK_QUESTIONS = [
    "How are comments written in ASN.1 definition files?",
    "What does asn1_der_decoding do with its error description argument?",
    "Which function creates the structures from an ASN.1 definitions file?",
    "How do I print the contents of a decoded structure?",
    "What does asn1_delete_structure free?",
]


def ask_rows(pdf: Path, runs: int) -> list[list[object]]:
    first, rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
        ingest_path(services, pdf)
        services.llm  # noqa: B018 - loaded before the clock starts
        for question in ASK_QUESTIONS[:runs]:
            start = time.perf_counter()
            answer = draft_answer(services, question)
            assert answer.sources, "the benchmark question found nothing: it would time no generation"
            first_at, count = None, 0
            for _token in answer.tokens:
                first_at = first_at or time.perf_counter()
                count += 1
            end = time.perf_counter()
            first.append(first_at - start)
            rates.append((count - 1) / (end - first_at) if count > 1 else 0.0)
        services.close()
    return [["ask (local SmolLM2-135M)", statistics.median(first), statistics.median(rates)]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1k chunks, 20 queries, one ask: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.queries, args.runs = [1000], 20, 1
    pdf = SHARED / "libtasn1.pdf"  # ASK_QUESTIONS are about it: on another PDF they are rightly not found
    table(
        f"Hybrid retrieval on Qdrant Edge (dense + BM25, score fusion), top {5 * OVERFETCH} passages, ms",
        [
            "chunks",
            "upsert s",
            "optimize s",
            "p50",
            "p95",
            "p50 workspace",
            "p95 workspace",
            "p50 workspace+doc",
            "p95 workspace+doc",
            "query p50",
            "query p95",
        ],
        retrieval_rows(args.sizes, args.queries),
    )
    table(
        f"Answer latency on {pdf.name}, medians of {args.runs}",
        ["", "first token s", "tokens/s"],
        ask_rows(pdf, args.runs),
    )


if __name__ == "__main__":
    main()
