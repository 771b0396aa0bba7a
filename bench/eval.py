"""Page-level retrieval quality on a JSONL question set, DocChat beside the textbook LangChain baseline.

    .venv/bin/python bench/eval.py QA.jsonl [--heldout HELDOUT.jsonl] [--corpus DIR] [--whole-corpus]
                                   [--no-baseline] [--json]

Each line of QA.jsonl: {"question", "doc", "pages": [1-based pages], "history": [{"role", "content"}]?}
(see bench/scoring.py). The PDFs it names are read from --corpus, by default bench/corpus/ (fetched by
bench/corpus.sh), else ../shared/corpus/. Every retriever indexes them into a throwaway library, so the
user's own library is never opened, nor locked against a running app. With --heldout, both sets are scored on
the same library and printed side by side: QA.jsonl is the part tuned on, HELDOUT.jsonl is only reported.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from common import CORPUS, SHARED
from scoring import KS, QAFileError, evaluate, evaluate_splits

from rag.cli.printing import print_json
from rag.errors import DocChatError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("qa", metavar="QA.jsonl")
    parser.add_argument("--heldout", metavar="HELDOUT.jsonl", help="a held-out set, scored beside QA.jsonl")
    parser.add_argument("--whole-corpus", action="store_true", help="index every PDF of the corpus")
    parser.add_argument("--corpus", metavar="DIR", help="where the PDFs named in the set are (default: bench/corpus)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the textbook LangChain baseline")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def run(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus) if args.corpus else next((p for p in (CORPUS, SHARED) if p.is_dir()), Path("."))
    if not args.heldout:
        report = evaluate(Path(args.qa), corpus, baseline=not args.no_baseline)
        if args.json:
            print_json(report)
            return 0
        rows = [(name, row) for name, row in report.items()]
    else:
        sets = {"dev": Path(args.qa), "held out": Path(args.heldout)}
        splits = evaluate_splits(sets, corpus, baseline=not args.no_baseline, whole_corpus=args.whole_corpus)
        if args.json:
            print_json(splits)
            return 0
        rows = [(f"{name} {label}", row) for name, by_set in splits.items() for label, row in by_set.items()]
    columns = [f"recall@{k}" for k in KS] + ["MRR@5", "MRR@10"]
    width = max(10, *(len(name) + 1 for name, _ in rows))
    print(f"{'retriever':<{width}}" + "".join(f"{c:>11}" for c in columns) + f"{'questions':>11}")
    for name, row in rows:
        print(f"{name:<{width}}" + "".join(f"{row[c]:>11.3f}" for c in columns) + f"{int(row['questions']):>11}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:
        # The reader left (`… | head`): say nothing more, and keep Python from failing to flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (QAFileError, OSError) as exc:
        # A bad question file or a missing PDF is the user's to fix: a sentence, not a traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DocChatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
