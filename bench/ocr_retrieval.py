"""OCR end to end: page-level retrieval on the text corpus beside a scanned copy of it, dev and held-out sets.

    .venv/bin/python bench/ocr.py build --dpi 300 [--degrade]      # the scanned copy, into storage/bench-ocr/
    .venv/bin/python bench/ocr_retrieval.py [SCANNED_DIR ...] [--engine auto|rapidocr|tesseract] [--quick]

Each scanned PDF is an image-only copy of a manual (no text layer), so DocChat reads every page by OCR; the
questions (bench/qa/manuals.jsonl, tuned on, and bench/qa/heldout.jsonl, never tuned on) name pages of the
originals, which the copies keep. Ingestion time of each library is printed: OCR is most of it.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from common import CORPUS, ROOT, table
from scoring import evaluate_splits

SETS = {"dev": ROOT / "bench" / "qa" / "manuals.jsonl", "held-out": ROOT / "bench" / "qa" / "heldout.jsonl"}
SCANS = ROOT / "storage" / "bench-ocr"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scanned", nargs="*", type=Path, help="folders of scanned copies (default: all built)")
    parser.add_argument("--engine", default=os.environ.get("OCR_ENGINE", "auto"))
    parser.add_argument("--quick", action="store_true", help="the text corpus only, dev set: a smoke test")
    args = parser.parse_args()
    os.environ["OCR_ENGINE"] = args.engine  # read by each library's Settings
    # A 196-page manual scanned at 300 dpi is a 362 MB file, over the default upload cap.
    os.environ.setdefault("MAX_UPLOAD_MB", "1000")
    folders = [CORPUS] + ([] if args.quick else args.scanned or sorted(p for p in SCANS.iterdir() if p.is_dir()))
    sets = {"dev": SETS["dev"]} if args.quick else SETS
    rows = []
    for folder in folders:
        start = time.perf_counter()
        report = evaluate_splits(sets, folder, baseline=False)["DocChat"]
        took = time.perf_counter() - start
        label = "text layer" if folder == CORPUS else f"{folder.name} ({args.engine} OCR)"
        for split, scores in report.items():
            rows.append(
                [label, split, scores["recall@1"], scores["recall@5"], scores["MRR@10"], int(scores["questions"])]
            )
        rows.append([label, f"ingest + questions: {took:.0f} s", "", "", "", ""])
    table(
        "Page-level retrieval, text layer vs scanned copies",
        ["corpus", "set", "recall@1", "recall@5", "MRR@10", "questions"],
        rows,
    )


if __name__ == "__main__":
    main()
