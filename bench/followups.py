"""Follow-up questions without a model that rewrites them: page recall of each way to search them.

    .venv/bin/python bench/followups.py [--quick]

The follow-ups (items with a "history") of bench/qa/manuals.jsonl and followups.jsonl are the dev set, those of
heldout.jsonl the held-out set. "prefer" takes the documents the previous answer cited from a search for the
previous question, as the chat does from the stored answer.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from common import CORPUS, ROOT, SHARED, first_five, table
from scoring import first_hit, load_qa, scores

from rag.answering.followups import search_followup
from rag.answering.quotes import extract_quotes
from rag.answering.retrieval import make_retriever
from rag.answering.search import retrieve
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.presentation import quotes_markdown
from rag.records.library import unsearchable_ids
from rag.usecases.startup import open_services

QA = ROOT / "bench" / "qa"
METHODS = ("joined", "alone", "fused", "fused+prefer")
SETS = {"dev": ("manuals.jsonl", "followups.jsonl"), "held out": ("heldout.jsonl",)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the follow-ups on ../shared/corpus only")
    args = parser.parse_args()
    corpus = SHARED if args.quick else CORPUS
    available = {p.name for p in first_five(corpus)}
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp), top_k=10))
        try:
            for pdf in first_five(corpus):
                ingest_path(services, pdf)
            services.store.optimize()
            exclude = unsearchable_ids(services)
            rows = []
            for split, names in SETS.items():
                items = [
                    (i, json.loads(line).get("fact"))
                    for n in names
                    for i, line in zip(load_qa(QA / n), _lines(QA / n), strict=True)
                    if i.history and i.doc in available
                ]
                for method in METHODS:
                    ranks, facts, start = [], 0, time.perf_counter()
                    for item, fact in items:
                        previous = next(text for role, text in item.history if role == "user")
                        _, earlier = retrieve(services, previous)
                        cited = list(dict.fromkeys(d.metadata["doc_id"] for d in earlier[:5]))
                        _, docs = search_followup(
                            services, make_retriever(services, None, exclude), item.question, previous, cited, method
                        )
                        ranks.append(first_hit([(d.metadata["filename"], d.metadata["page"]) for d in docs], item))
                        quoted = quotes_markdown(extract_quotes(item.question, docs, services.embedding.embeddings))
                        facts += bool(fact and re.search(fact, quoted, re.I))
                    s = scores(ranks) if items else {}
                    ms = 1000 * (time.perf_counter() - start) / max(1, len(items))
                    rows.append(
                        [method, split, len(items)]
                        + [s.get(k, 0.0) for k in ("recall@1", "recall@3", "recall@5")]
                        + [s.get("MRR@5", 0.0), facts / max(1, len(items)), ms]
                    )
            table(
                "Follow-ups: page recall by search method (ms: per follow-up, the previous question's search included)",
                ["method", "split", "n", "recall@1", "recall@3", "recall@5", "MRR@5", "key fact in quotes", "ms"],
                rows,
            )
        finally:
            services.close()


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


if __name__ == "__main__":
    main()
