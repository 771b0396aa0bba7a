"""Page-level retrieval quality on a JSONL question set, DocChat beside the textbook LangChain baseline.

    .venv/bin/python bench/eval.py QA.jsonl [--corpus DIR] [--no-baseline] [--json]

Each line of QA.jsonl: {"question", "doc", "pages": [1-based pages], "history": [{"role", "content"}]?}
(see bench/evaluation.py). The PDFs it names are read from --corpus, by default bench/corpus/ (fetched by
bench/corpus.sh), else ../shared/corpus/. Every retriever indexes them into a throwaway library, so the
user's own library is never opened, nor locked against a running app.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from common import CORPUS, SHARED
from evaluation import KS, QAFileError, evaluate

from rag.cli_print import print_json
from rag.errors import DocChatError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("qa", metavar="QA.jsonl")
    parser.add_argument("--corpus", metavar="DIR", help="where the PDFs named in the set are (default: bench/corpus)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the textbook LangChain baseline")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def run(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus) if args.corpus else next((p for p in (CORPUS, SHARED) if p.is_dir()), Path("."))
    report = evaluate(Path(args.qa), corpus, baseline=not args.no_baseline)
    if args.json:
        print_json(report)
        return 0
    columns = [f"recall@{k}" for k in KS] + ["MRR@5", "MRR@10"]
    print(f"{'retriever':<10}" + "".join(f"{c:>11}" for c in columns) + f"{'questions':>11}")
    for name, row in report.items():
        print(f"{name:<10}" + "".join(f"{row[c]:>11.3f}" for c in columns) + f"{int(row['questions']):>11}")
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
