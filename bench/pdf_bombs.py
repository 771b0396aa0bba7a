"""PDF bombs: peak memory and time of reading each, unguarded (as rag/reading/reader.py read before) and guarded
(rag/reading/reader.py now: PDFium in a child process under RLIMIT_AS, with caps on characters and passages), then
what the guard costs on real manuals.

    .venv/bin/python bench/pdf_bombs.py [PDF ...] [--quick]

Every bomb is read in a process of its own. Guarded, it prints its own peak RSS ("app") and its reader
child's ("reader"); the reader is spawned there, so "after s" includes about 1 s of interpreter start
that the app, forking from its warm server, does not pay. Unguarded runs get an 8 GiB address-space
limit and a 90 s timeout so the machine survives them; a run stopped by either says so. Real PDFs
default to ../shared/corpus, and bench/corpus/asymptote.pdf once bench/corpus.sh has fetched it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import CORPUS, SHARED, from_checkout, table

import rag.reading.pdf
import rag.reading.reader

hostile_pdfs = from_checkout("tests.robustness.hostile_pdfs")  # run_one evaluates its calls

ASYMPTOTE = CORPUS / "asymptote.pdf"
UNGUARDED_LIMIT = 8 << 30
UNGUARDED_SECONDS = 90

# name: (builder call, what it inflates to)
CASES = {
    "flate bomb": ("flate_bomb(1024)", "1 GiB of NUL"),
    "text operators": ("text_operator_bomb(40)", "40 MiB of (AAAA) Tj"),
    "path operators": ("path_operator_bomb(64)", "64 MiB of m/l/S"),
    "form XObject": ("form_xobject_bomb(1024)", "form of 1 GiB"),
    "nested forms": ("nested_form_bomb(6, 8)", "8^6 draws of 1 KiB"),
    "ToUnicode map": ("font_stream_bomb(b'/ToUnicode', 1024)", "1 GiB font map"),
    "font file": ("font_stream_bomb(b'/FontFile2', 1024)", "1 GiB TrueType"),
    "Type3 glyph": ("type3_glyph_bomb(1024)", "1 GiB glyph proc"),
    "inline image": ("inline_image_bomb(1024)", "1 GiB image data"),
    "100,001 characters": ("many_chars_pdf(100_001)", "one dense page"),
}
QUICK_CASES = {
    "flate bomb": ("flate_bomb(256)", "256 MiB of NUL"),
    "text operators": ("text_operator_bomb(4)", "4 MiB of (AAAA) Tj"),
    "nested forms": ("nested_form_bomb(4, 8)", "8^4 draws of 1 KiB"),
    "100,001 characters": ("many_chars_pdf(100_001)", "one dense page"),
}


def unguarded(data: bytes) -> int:
    """What rag/reading/pdf.py did before the guard: every page's text through PDFium, in this process."""
    document = rag.reading.reader.pdfium.PdfDocument(data)
    chars = 0
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        chars += len(textpage.get_text_range())
        textpage.close()
        page.close()
    return chars


def run_one(call: str, mode: str) -> None:
    """In a child: read one bomb and print what happened as JSON."""
    data = eval(f"hostile_pdfs.{call}")
    start = time.perf_counter()
    try:
        verdict = f"read, {unguarded(data):,} chars" if mode == "unguarded" else _guarded(data)
    except rag.reading.pdf.PdfError as exc:
        verdict = str(exc).split(";")[0]
    seconds = time.perf_counter() - start
    usage = {
        k: resource.getrusage(v).ru_maxrss << 10
        for k, v in (("app", resource.RUSAGE_SELF), ("reader", resource.RUSAGE_CHILDREN))
    }
    print(json.dumps({"verdict": verdict, "seconds": seconds, "size": len(data), **usage}))


def _guarded(data: bytes) -> str:
    rag.reading.reader.START_METHOD = "spawn"  # the reader is then this process's child, and RUSAGE_CHILDREN sees it
    pages = rag.reading.pdf.read_pdf(data, 200 << 20)
    return f"read, {sum(len(p.text) for p in pages):,} chars"


def measure(call: str, mode: str) -> dict:
    limit = UNGUARDED_LIMIT if mode == "unguarded" else resource.RLIM_INFINITY

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    argv = [sys.executable, __file__, "--run", call, mode]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=cap)
    timer = threading.Timer(UNGUARDED_SECONDS if mode == "unguarded" else 600, proc.kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    out = proc.stdout.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if out.strip():
        return json.loads(out)
    seconds = time.perf_counter() - start
    if mode == "unguarded":
        why = f"killed at {UNGUARDED_SECONDS} s" if seconds >= UNGUARDED_SECONDS else f"hit {limit >> 30} GiB limit"
    else:
        why = f"died (exit {proc.returncode})"
    return {"verdict": why, "seconds": seconds, "app": usage.ru_maxrss << 10, "reader": 0, "size": 0}


def gb(value: float) -> str:
    return f"{value / 1e9:.2f}"


def bombs(cases: dict[str, tuple[str, str]]) -> None:
    rows = []
    for name, (call, inflates) in cases.items():
        before, after = measure(call, "unguarded"), measure(call, "guarded")
        verdict = "bounded" if max(after["app"], after["reader"]) < 1.5e9 else "OVER 1.5 GB"
        rows.append(
            [name, f"{after['size'] / 1e3:,.0f}", inflates, gb(before["app"]), before["seconds"], before["verdict"],
             gb(after["app"]), gb(after["reader"]), after["seconds"], after["verdict"], verdict]
        )  # fmt: skip
    table(
        "PDF bombs: peak RSS (GB) and seconds, unguarded (before) and guarded (after)",
        ["case", "file KB", "inflates to", "before GB", "before s", "before", "app GB", "reader GB", "after s",
         "after", "verdict"],
        rows,
    )  # fmt: skip


def overhead(pdfs: list[Path], runs: int) -> None:
    rag.reading.reader.START_METHOD = "forkserver"
    rag.reading.pdf.read_pdf(pdfs[0].read_bytes(), 1 << 30)  # the fork server starts once a process (0.5-1.1 s)
    rows = []
    for pdf in pdfs:
        data = pdf.read_bytes()
        opened = rag.reading.pdf.open_pdf(data)
        before, after = [], []
        for _ in range(runs):
            start = time.perf_counter()
            unguarded(data)
            before.append(time.perf_counter() - start)
            start = time.perf_counter()
            rag.reading.pdf.extract_pages(data, opened)
            after.append(time.perf_counter() - start)
        b, a = min(before), min(after)
        rows.append([pdf.name, opened.pages, b, a, a - b, f"{100 * (a - b) / b:+.0f}%"])
    table(
        f"The guard on real PDFs (best of {runs}: the machine's other load only adds; warm fork server)",
        ["PDF", "pages", "unguarded s", "guarded s", "overhead s", "overhead"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--quick", action="store_true", help="four small bombs and one real PDF, about a minute")
    parser.add_argument("--run", nargs=2, metavar=("CALL", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_one(*args.run)
        return
    bombs(QUICK_CASES if args.quick else CASES)
    pdfs = args.pdfs or [SHARED / "shared-mime-info-spec.pdf"]
    if not args.pdfs and not args.quick:
        pdfs = [SHARED / "libtasn1.pdf", SHARED / "shared-mime-info-spec.pdf"] + [ASYMPTOTE] * ASYMPTOTE.exists()
    overhead([p for p in pdfs if p.exists()], 1 if args.quick else 5)


if __name__ == "__main__":
    main()
