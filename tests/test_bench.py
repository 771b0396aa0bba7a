"""The benchmarks stay runnable: each runs with --quick on a tiny input and prints its table."""

import json
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, ROOT

# Each benchmark is a child process that loads the models and reads the shared corpus.
pytestmark = pytest.mark.slow


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("ingest.py", "DocChat / textbook pages/s"),
        ("retrieval.py", "recall@5"),
        ("latency.py", "first token s"),
        ("grounding.py", "says not found"),
        ("pdf_bombs.py", "peak"),
        ("answers.py", "quotes_first"),
        ("quotes.py", "gold page's answer sentence"),
        ("followups.py", "fused+prefer"),
        ("conversations.py", "follow-ups joined"),
        ("layouts.py", "recall@5"),
        ("formats.py", "fact in 5 passages"),
        ("workers.py", "passages/s per core"),
        ("ocr_speed.py", "pages/s"),
    ],
)
def test_benchmark_runs_quick(script, expected):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expected in proc.stdout


@pytest.mark.corpus
def test_eval_reports_both_retrievers(tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text(
        '{"question": "How do I decode the class and tag of DER data?", "doc": "libtasn1.pdf", "pages": [21]}\n'
    )
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "eval.py"), str(qa), "--corpus", str(CORPUS), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert set(report) == {"DocChat", "textbook"}
    assert report["DocChat"]["recall@5"] == 1.0 and report["DocChat"]["questions"] == 1


def test_eval_explains_a_bad_question_file(tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"question": "no doc or pages"}\n')
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "eval.py"), str(qa)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "line 1: not a QA item" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.corpus
def test_eval_prints_a_table_without_the_baseline(tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"question": "How are ASN.1 comments written?", "doc": "libtasn1.pdf", "pages": [5]}\n')
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "eval.py"), str(qa), "--corpus", str(CORPUS), "--no-baseline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header, *rows = proc.stdout.splitlines()
    columns = ["recall@1", "recall@3", "recall@5", "recall@10", "MRR@5", "MRR@10"]
    assert header.split() == ["retriever", *columns, "questions"]
    assert [row.split()[0] for row in rows] == ["DocChat"]


@pytest.mark.corpus
def test_eval_scores_a_held_out_set_beside_the_dev_set(tmp_path):
    dev, held = tmp_path / "dev.jsonl", tmp_path / "held.jsonl"
    dev.write_text('{"question": "How are ASN.1 comments written?", "doc": "libtasn1.pdf", "pages": [5]}\n')
    held.write_text(
        '{"question": "What does the MIME database say about glob weights?", '
        '"doc": "shared-mime-info-spec.pdf", "pages": [4, 5]}\n'
        '{"question": "How are ASN.1 comments written?", "doc": "libtasn1.pdf", "pages": [999]}\n'
    )
    command = [sys.executable, str(ROOT / "bench" / "eval.py"), str(dev), "--heldout", str(held)]
    proc = subprocess.run(
        [*command, "--corpus", str(CORPUS), "--no-baseline", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert set(report["DocChat"]) == {"dev", "held out"}
    assert report["DocChat"]["dev"]["questions"] == 1 and report["DocChat"]["held out"]["questions"] == 2
    # The same question, scored against a page the document does not have, is a miss in the held-out set only.
    assert report["DocChat"]["dev"]["recall@5"] == 1.0
    assert report["DocChat"]["held out"]["recall@10"] <= 0.5
