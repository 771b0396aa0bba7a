"""Fuzzes the PDF intake with atheris (libFuzzer for Python): the checks of the bytes, pypdf opening the file (page
tree, object streams, encryption), the title and outline it declares, and page 1's text as the reader's pypdf
fallback reads it. Every outcome must be the file's text or a PdfError with its reason: any other exception is a
crash, which libFuzzer saves as `crash-<sha1>` (make it a fixture of tests/robustness/).

    .venv/bin/python bench/fuzz_intake.py [--seeds DIR] [LIBFUZZER FLAGS...]
    .venv/bin/python bench/fuzz_intake.py -fork=2 -max_total_time=900     # 30 CPU-minutes on 2 cores

The seeds are the hostile and ordinary PDFs the tests build (tests/robustness/hostile_pdfs.py, small versions),
and any in --seeds (`--seeds ../shared/corpus` adds real manuals, at 15 runs a second instead of dozens). pypdf
runs in-process here, where the app runs it in a child under MAX_PDF_MEMORY_MB: here the address space is capped
the same way (MEMORY_MB on top of what the process holds), and an input past it ends in MemoryError, which the
app's child turns into a refusal naming the memory, so it is no crash. PDFium is not fuzzed here: a crash of it ends
only the reader's child, which the app reports as a damaged page.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import sys
import tempfile
from pathlib import Path

import atheris
from common import from_checkout

with atheris.instrument_imports(include=["pypdf", "rag"]):
    from rag.reading.checks import check_pdf_bytes, document_title, outline_starts, pypdf_open

from rag.errors import PdfError

MAX_BYTES = 1 << 20
# What one input may allocate on top of the interpreter: the reader's child gets 512 MB (MAX_PDF_MEMORY_MB).
MEMORY_MB = 1024


def limit_memory(megabytes: int) -> None:
    """This process's address space capped at what it holds now plus `megabytes`: past it pypdf raises
    MemoryError, as in the app's reader child."""
    held = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (held + (megabytes << 20), hard))


def one_input(data: bytes) -> None:
    """The intake of one upload, as far as pypdf takes it."""
    try:
        check_pdf_bytes(data, MAX_BYTES)
        reader = pypdf_open(data)
        document_title(reader)
        outline_starts(reader)
        try:
            reader.pages[0].extract_text()
        except Exception as exc:
            raise PdfError("Page 1 of the PDF is damaged and cannot be read.") from exc
    except (PdfError, MemoryError):
        pass  # a refusal, or past the memory the app's child would have (it refuses the file, naming its memory)


def write_seeds(folder: Path, extra: Path | None) -> None:
    """Small, varied PDFs to start from: each a different route through the intake."""
    hostile = from_checkout("tests.robustness.hostile_pdfs")
    pdfs = from_checkout("tests.pdfs")
    made = {
        "text.pdf": pdfs.make_pdf([["Kiwis sleep in burrows by day."], ["They hunt worms at night."]]),
        "locked.pdf": pdfs.encrypt(pdfs.make_pdf([["A locked page."]])),
        "blank.pdf": hostile.blank_pdf(),
        "deep.pdf": hostile.deep_page_tree_pdf(120),
        "certificate.pdf": hostile.certificate_encrypted_pdf(),
        "streams.pdf": hostile.object_stream_bomb(1, pages=3),
        "flate.pdf": hostile.flate_bomb(mib=1),
        "tall.pdf": pdfs.page_of_size(3, 3000),
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)
    for source in extra.glob("*.pdf") if extra else []:
        if source.stat().st_size <= MAX_BYTES:
            (folder / source.name).write_bytes(source.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, help="a folder of more PDFs to start from")
    args, libfuzzer = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-seeds-") as seeds:
        write_seeds(Path(seeds), args.seeds)
        flags = [f for f in libfuzzer if f.startswith("-")]
        if not any(f.startswith("-rss_limit_mb=") for f in flags):
            # The memory is bounded as in the app's child, by the address space: libFuzzer's own check reads the
            # peak RSS, which a process started by a large one (pytest with the models loaded: 2.1 GB) inherits.
            flags.append("-rss_limit_mb=0")
            limit_memory(MEMORY_MB)
        if not any(f.startswith("-max_len=") for f in flags):
            # Small inputs run fast (a real 263 KB manual: 15 a second); structure, not size, is what breaks pypdf.
            flags.append("-max_len=65536")
        corpora = [f for f in libfuzzer if not f.startswith("-")] or [seeds]
        if corpora[0] != seeds:
            corpora.append(seeds)
        # As a shell command: libFuzzer's -fork mode starts its workers with argv[0] through the shell.
        command = f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))}"
        atheris.Setup([command, *flags, *corpora], one_input)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
