"""Answers worth reading with the local model: how often what the user reads holds the key fact, how often it is
wholly unsupported, "not found" on unanswerable questions, and the time to the first useful words.

    .venv/bin/python bench/answers.py [--quick]

Each question is answered once by the configured model (SmolLM2 by default); every answer strategy of
rag/answering/policy.py is then derived from that one run, so they are compared on the same retrieval and the same
model output. Dev: bench/qa/manuals.jsonl + followups.jsonl + unanswerable.jsonl (thresholds were chosen on
these). Held out: heldout.jsonl + unanswerable-heldout.jsonl (written blind, never tuned on).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import CORPUS, ROOT, SHARED, first_five, table
from langchain_core.documents import Document as LCDocument
from scoring import QAItem, load_qa

from rag.answering import policy as answer_policy
from rag.answering import quotes as quotes_module
from rag.answering.gates import NOT_FOUND
from rag.answering.grounding import SentenceCheck, check_sentences, verdict
from rag.answering.pipeline import draft_answer
from rag.answering.policy import decide, doubtful
from rag.answering.quotes import Quote, answers_question, extract_quotes
from rag.answering.search import retrieve
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.presentation import quotes_markdown
from rag.services import Services
from rag.usecases.startup import open_services

QA = ROOT / "bench" / "qa"
# Model answers by prompt, kept between runs (git-ignored): tuning what comes before the model costs minutes,
# not the half hour SmolLM2 takes to answer every question again. --fresh ignores it.
CACHE_FILE = ROOT / "bench" / ".cache" / "answers.json"
CACHE: dict[str, tuple[str, float | None]] = {}
GATE, DOUBT = quotes_module.MIN_QUOTE_SCORE, answer_policy.DOUBT_BELOW
STRATEGIES = ("model alone", "quotes", "quotes_first", "model_checked")


@dataclass
class Run:
    item: QAItem | None  # None: an unanswerable question
    question: str
    fact: str | None
    refused: bool
    text: str
    quotes: list[Quote]
    docs: list[LCDocument]
    checks: list[SentenceCheck]
    ready_s: float  # question to quotes (retrieval, gates and quote extraction)
    first_token_s: float | None
    shown: dict[str, str] = field(default_factory=dict)


def facts(path: Path) -> list[str | None]:
    return [json.loads(line).get("fact") for line in path.read_text().splitlines() if line.strip()]


def questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


def answer(services: Services, question: str, item: QAItem | None, fact: str | None) -> Run:
    history = item.history_messages() if item else []
    previous = []
    if history:  # the documents the previous answer would have cited
        _, earlier = retrieve(services, history[0].content)
        previous = list(dict.fromkeys(d.metadata["doc_id"] for d in earlier))
    start = time.perf_counter()
    result = draft_answer(services, question, history, None, previous, strategy="model")
    # Retrieval, both "not found" gates and the quotes are done: quote modes show their first words now.
    ready = time.perf_counter() - start
    # The model's answer depends only on its prompt: a rerun that changed nothing before the model reuses it.
    key = hashlib.sha256(json.dumps([result.standalone_question, result.passages]).encode()).hexdigest()
    if key in CACHE:
        text, first = CACHE[key]
        getattr(result.tokens, "close", lambda: None)()  # an unstarted stream; refusals are plain iterators
    else:
        parts, first = [], None
        for token in result.tokens:
            first = first or time.perf_counter() - start
            parts.append(token)
        text = "".join(parts)
        CACHE[key] = (text, first)
    refused = result.mode == "not_found"
    checks = [] if refused or text.strip() == NOT_FOUND else check_sentences(text, result.passages, emb(services))
    docs = retrieve(services, question, history, None, previous)[1] if not refused else []
    return Run(item, question, fact, refused, text, result.quotes, docs, checks, ready, first)


def emb(services: Services):  # type: ignore[no-untyped-def]
    return services.embedding.embeddings


def shown(run: Run, strategy: str) -> tuple[str, bool, bool]:
    """(what the user reads, whether it says "not found", whether it is wholly unsupported)."""
    if run.refused:
        return NOT_FOUND, True, False
    model_unsupported = verdict(run.checks) == "unsupported" or run.text.strip() == NOT_FOUND
    if strategy == "model alone":
        # The UI tells the user a wholly unsupported answer is "probably not in your documents".
        return run.text, model_unsupported, model_unsupported
    quoted = quotes_markdown(run.quotes) if answers_question(run.quotes) else ""
    if strategy in ("quotes", "quotes_first"):
        if not quoted:
            return NOT_FOUND, True, False
        with_model = strategy == "quotes_first" and decide(strategy, True, run.text, run.checks) == "quotes+model"
        # quotes_first: a weak quote the model could not use either is shown under "probably not in them".
        doubt = strategy == "quotes_first" and doubtful(run.quotes[0].score, run.checks)
        return quoted + ("\n\n" + run.text if with_model else ""), doubt, False
    if decide("model_checked", bool(run.quotes), run.text, run.checks) == "quotes":
        return (quoted, False, False) if quoted else (NOT_FOUND, True, False)
    return run.text, model_unsupported, model_unsupported


def has_fact(text: str, fact: str | None) -> bool:
    return bool(fact) and re.search(fact, text, re.I) is not None  # type: ignore[arg-type]


def summary(runs: list[Run], strategy: str) -> dict[str, float]:
    answerable = [r for r in runs if r.item is not None]
    unanswerable = [r for r in runs if r.item is None]
    out: dict[str, float] = {}
    if answerable:
        results = [shown(r, strategy) for r in answerable]
        out["key fact"] = sum(has_fact(t, r.fact) for (t, _, _), r in zip(results, answerable, strict=True)) / len(
            answerable
        )
        out["wholly unsupported"] = sum(u for _, _, u in results) / len(answerable)
        out["false not found"] = sum(nf for _, nf, _ in results) / len(answerable)
    if unanswerable:
        out["not found"] = sum(shown(r, strategy)[1] for r in unanswerable) / len(unanswerable)
    firsts = [r.ready_s if strategy in ("quotes", "quotes_first") else r.first_token_s for r in runs if not r.refused]
    firsts = [f for f in firsts if f is not None]
    if firsts:
        out["first words p50 s"] = statistics.median(firsts)
        out["first words p95 s"] = sorted(firsts)[int(0.95 * (len(firsts) - 1))]
    return out


def variants(services: Services, runs: list[Run]) -> list[list[object]]:
    """Key fact in the quotes alone, for each way of choosing the sentences (no model involved)."""
    rows = []
    first = {"window": 0, "fill": 0, "keep_within": 0.85, "passages_read": 3}  # the first version's choices
    for label, kwargs in (
        ("first: meaning only", first | {"lexical_weight": 0.0}),
        ("first: keywords only", first | {"dense_weight": 0.0, "lexical_weight": 1.0}),
        ("first: meaning + 0.5 keywords", first),
        ("first: meaning + 1.0 keywords", first | {"lexical_weight": 1.0}),
        ("first, first passage only", first | {"passages_read": 1}),
        ("first, 5 passages", first | {"passages_read": 5}),
        ("first, 1 quote", first | {"limit": 1}),
        ("first, always 3 quotes", first | {"keep_within": 0.0}),
        ("first, the next sentence too", first | {"window": 1}),
        ("first, 1 quote a page", first | {"per_page": 1}),
        ("first, 1 a page, always 3", first | {"per_page": 1, "keep_within": 0.0}),
        ("next sentence, 1 a page, always 3", first | {"window": 1, "per_page": 1, "keep_within": 0.0}),
        ("chosen: next sentence, always 3, 5 passages", {}),
    ):
        row: list[object] = [label]
        for split in ("dev", "held out"):
            chosen = [r for r in runs if r.item is not None and getattr(r, "split", "") == split]
            hits = sum(
                has_fact(quotes_markdown(extract_quotes(r.question, r.docs, emb(services), **kwargs)), r.fact)
                for r in chosen
            )
            row.append(hits / len(chosen) if chosen else 0.0)
        rows.append(row)
    for n in (3, 5):  # what any choice of sentences could reach: the fact somewhere in the passages read
        row = [f"ceiling: anywhere in the first {n} passages"]
        for split in ("dev", "held out"):
            chosen = [r for r in runs if r.item is not None and getattr(r, "split", "") == split]
            text = [" ".join(" ".join(d.page_content.split()) for d in r.docs[:n]) for r in chosen]
            row.append(sum(has_fact(t, r.fact) for t, r in zip(text, chosen, strict=True)) / max(1, len(chosen)))
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few questions on ../shared/corpus")
    parser.add_argument("--fresh", action="store_true", help="ask the model again instead of reusing its answers")
    parser.add_argument("--no-variants", action="store_true", help="skip the sentence-choice and threshold tables")
    args = parser.parse_args()
    if CACHE_FILE.exists() and not args.fresh:
        CACHE.update({k: tuple(v) for k, v in json.loads(CACHE_FILE.read_text()).items()})
    corpus = SHARED if args.quick else CORPUS
    sets = {
        "dev": [QA / "manuals.jsonl", QA / "followups.jsonl", QA / "unanswerable.jsonl"],
        "held out": [QA / "heldout.jsonl", QA / "unanswerable-heldout.jsonl"],
    }
    available = {p.name for p in first_five(corpus)}
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
        try:
            for pdf in first_five(corpus):
                ingest_path(services, pdf)
            services.store.optimize()
            runs: list[Run] = []
            for split, paths in sets.items():
                for path in paths:
                    if not path.exists():
                        print(f"(missing {path.name})")
                        continue
                    if "unanswerable" in path.name:
                        batch = [(q, None, None) for q in questions(path)]
                    else:
                        batch = [(i.question, i, f) for i, f in zip(load_qa(path), facts(path), strict=True)]
                        batch = [b for b in batch if b[1].doc in available]
                    for question, item, fact in batch[:2] if args.quick else batch:
                        run = answer(services, question, item, fact)
                        run.split = split  # type: ignore[attr-defined]
                        runs.append(run)
            CACHE_FILE.parent.mkdir(exist_ok=True)
            CACHE_FILE.write_text(json.dumps(CACHE))
            report(services, runs, with_variants=not (args.no_variants or args.quick))
        finally:
            services.close()


def report(services: Services, runs: list[Run], with_variants: bool = True) -> None:
    header = ["strategy", "split", "key fact", "wholly unsupported", "false not found", "not found (unanswerable)"]
    rows = []
    for strategy in STRATEGIES:
        for split in ("dev", "held out"):
            s = summary([r for r in runs if getattr(r, "split", "") == split], strategy)
            rows.append(
                [strategy, split]
                + [s.get(k, float("nan")) for k in ("key fact", "wholly unsupported", "false not found", "not found")]
            )
    table("Answers with the local model (shares of questions)", header, rows)
    rows = []
    for strategy in STRATEGIES:
        s = summary(runs, strategy)
        rows.append([strategy, s.get("first words p50 s", 0.0), s.get("first words p95 s", 0.0)])
    table("Time from the question to the first useful words (s)", ["strategy", "p50", "p95"], rows)
    follow = [r for r in runs if r.item is not None and r.item.history]
    rows = [[s, summary(follow, s).get("key fact", 0.0)] for s in STRATEGIES]
    table(f"Follow-ups only ({len(follow)})", ["strategy", "key fact"], rows)
    if not with_variants:
        return
    table(
        "Key fact in the quotes, by sentence choice", ["quotes chosen by", "dev", "held out"], variants(services, runs)
    )
    rows = []
    for threshold in (None, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        quotes_module.MIN_QUOTE_SCORE = threshold
        for split in ("dev", "held out"):
            s = summary([r for r in runs if getattr(r, "split", "") == split], "quotes_first")
            rows.append([str(threshold), split, s["key fact"], s["false not found"], s["not found"]])
    quotes_module.MIN_QUOTE_SCORE = GATE
    for threshold in (0.55, 0.6, 0.65, 0.7, 0.75):
        answer_policy.DOUBT_BELOW = threshold
        for split in ("dev", "held out"):
            s = summary([r for r in runs if getattr(r, "split", "") == split], "quotes_first")
            rows.append([f"doubt below {threshold}", split, s["key fact"], s["false not found"], s["not found"]])
    answer_policy.DOUBT_BELOW = DOUBT
    table(
        "quotes_first by MIN_QUOTE_SCORE, then by DOUBT_BELOW (with the gate off; chosen on dev)",
        ["threshold", "split", "key fact", "false not found", "not found (unanswerable)"],
        rows,
    )
    dev = [r for r in runs if not r.refused and getattr(r, "split", "") == "dev"]
    best = sorted((r.quotes[0].score if r.quotes else 0.0, r.item is not None) for r in dev)
    table(
        "Best quote score, dev (for MIN_QUOTE_SCORE)",
        ["questions", "p10", "p50", "p90"],
        [
            [kind, *(_pct([s for s, a in best if a == want], p) for p in (0.1, 0.5, 0.9))]
            for kind, want in (("answerable", True), ("unanswerable", False))
        ],
    )


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[int(p * (len(values) - 1))] if values else float("nan")


if __name__ == "__main__":
    main()
