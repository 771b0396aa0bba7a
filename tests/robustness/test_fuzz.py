"""A short, fixed fuzz of the PDF intake (bench/fuzz_intake.py): the same seed and seeds every run, so what it
finds once it finds again. The long runs are the benchmark's (its note reports them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, need_module


@pytest.mark.slow  # about a minute of fuzzing
def test_a_fixed_fuzz_of_the_intake_finds_no_exception_but_refusals(tmp_path):
    need_module("atheris")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "fuzz_intake.py"),
            "-runs=1500",
            "-seed=1",
            f"-artifact_prefix={tmp_path}/",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    # A crash is an exception the intake let through. Running out of the run's memory (libFuzzer's "oom-…") is not:
    # the app opens files in a child under MAX_PDF_MEMORY_MB, which refuses such a file, naming its memory.
    assert "Uncaught Python exception" not in proc.stderr, proc.stderr[-4000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*")), proc.stderr[-4000:]
    assert proc.returncode == 0 or list(tmp_path.glob("oom-*")), proc.stderr[-4000:]
