"""Foundation figures: ingest time of a PDF, and time to first token and tokens/s of `ask`.

    .venv/bin/python bench/foundation.py [PDF] [--question Q] [--runs 3]

Models are loaded before timing starts; the figures are what a user waits for in a warm app.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.chain import ask
from rag.config import Settings
from rag.ingest import ingest_path
from rag.services import open_services

DEFAULT_PDF = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "libtasn1.pdf"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--question", default="How are comments written in ASN.1 definition files?")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ingest_s, first_token_s, tokens_per_s, pages = [], [], [], 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
            services.embedding.embeddings  # noqa: B018 - load the model before the clock starts
            services.llm  # noqa: B018
            start = time.perf_counter()
            result = ingest_path(services, args.pdf)
            ingest_s.append(time.perf_counter() - start)
            pages = result.pages

            start = time.perf_counter()
            answer = ask(services, args.question)
            first, count = None, 0
            for _token in answer.tokens:
                first = first or time.perf_counter()
                count += 1
            end = time.perf_counter()
            first_token_s.append(first - start)
            tokens_per_s.append((count - 1) / (end - first) if count > 1 else 0.0)
            services.close()

    print(f"{args.pdf.name}: {pages} pages, medians of {args.runs} runs on this machine")
    print(f"{'ingest (s)':<28}{statistics.median(ingest_s):>8.2f}")
    print(f"{'ingest (pages/s)':<28}{pages / statistics.median(ingest_s):>8.1f}")
    print(f"{'ask: first token (s)':<28}{statistics.median(first_token_s):>8.2f}")
    print(f"{'ask: local LLM tokens/s':<28}{statistics.median(tokens_per_s):>8.1f}")


if __name__ == "__main__":
    main()
