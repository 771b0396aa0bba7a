"""Page-level retrieval evaluation: recall@k and MRR over a JSONL question set, DocChat beside the baseline.

Each line: {"question", "doc", "pages": [1-based physical pages], "history": [{"role", "content"}]?}.
A hit is a retrieved passage from `doc` whose page is in `pages`.
Run by bench/eval.py and the benchmarks; it points at bench/corpus.sh, so it is not part of the installed package.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from rag.answering.search import retrieve
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.usecases.startup import open_services

KS = (1, 3, 5, 10)


class QAFileError(ValueError):
    pass


@dataclass(frozen=True)
class QAItem:
    question: str
    doc: str
    pages: tuple[int, ...]
    history: tuple[tuple[str, str], ...] = field(default=())

    def history_messages(self) -> list[BaseMessage]:
        return [HumanMessage(text) if role == "user" else AIMessage(text) for role, text in self.history]


def load_qa(path: Path) -> list[QAItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                QAItem(
                    raw["question"],
                    raw["doc"],
                    tuple(int(p) for p in raw["pages"]),
                    tuple((m["role"], m["content"]) for m in raw.get("history", [])),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise QAFileError(f"{path}, line {number}: not a QA item ({exc})") from exc
    if not items:
        raise QAFileError(f"{path} holds no questions.")
    return items


def first_hit(retrieved: Sequence[tuple[str, int]], item: QAItem) -> int | None:
    """1-based rank of the first retrieved (filename, page) that answers the item."""
    return next((rank for rank, (doc, page) in enumerate(retrieved, 1) if doc == item.doc and page in item.pages), None)


def scores(ranks: Sequence[int | None]) -> dict[str, float]:
    n = len(ranks)
    out = {f"recall@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in KS}
    for k in (5, 10):
        out[f"MRR@{k}"] = sum(1 / r for r in ranks if r is not None and r <= k) / n
    return out


Retriever = Callable[[QAItem], list[tuple[str, int]]]


def docchat_retriever(documents: Sequence[Path], storage: Path, k: int = max(KS)) -> tuple[Retriever, Callable]:
    services = open_services(Settings(_env_file=None, storage_dir=storage, top_k=k))
    for pdf in documents:
        result = ingest_path(services, pdf)
        if result.status == "failed":
            raise QAFileError(f"{pdf.name}: {result.error}")

    def run(item: QAItem) -> list[tuple[str, int]]:
        _, docs = retrieve(services, item.question, item.history_messages())
        return [(d.metadata["filename"], d.metadata["page"]) for d in docs]

    return run, services.close


def textbook_retriever(documents: Sequence[Path], storage: Path, k: int = max(KS)) -> tuple[Retriever, Callable]:
    from baseline import Textbook

    textbook = Textbook()
    store = textbook.index(textbook.split(textbook.load(documents)), storage)

    def run(item: QAItem) -> list[tuple[str, int]]:
        return [(textbook.file_of(d), textbook.page_of(d)) for d in store.similarity_search(item.question, k=k)]

    return run, store.client.close


def evaluate(qa_path: Path, corpus: Path, baseline: bool = True) -> dict[str, dict[str, float]]:
    """One question set: {retriever: scores}."""
    report = evaluate_splits({"all": qa_path}, corpus, baseline)
    return {name: splits["all"] for name, splits in report.items()}


def evaluate_splits(
    sets: dict[str, Path], corpus: Path, baseline: bool = True, whole_corpus: bool = False
) -> dict[str, dict[str, dict[str, float]]]:
    """Several question sets (a dev part and a held-out part) on one library per retriever: {retriever: {set:
    scores}}. The library holds the documents the sets name or, with `whole_corpus`, every PDF of `corpus`,
    where a long manual has the most room to crowd out the right page of a short one."""
    items = {label: load_qa(path) for label, path in sets.items()}
    names = sorted({item.doc for batch in items.values() for item in batch})
    missing = [n for n in names if not (corpus / n).is_file()]
    if missing:
        raise QAFileError(f"Not in {corpus}: {', '.join(missing)} (bench/corpus.sh fetches the benchmark corpus).")
    documents = sorted(corpus.glob("*.pdf")) if whole_corpus else [corpus / n for n in names]
    builders = {"DocChat": docchat_retriever} | ({"textbook": textbook_retriever} if baseline else {})
    report: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in builders.items():
            run, close = build(documents, Path(tmp) / name)
            try:
                report[name] = {
                    label: scores([first_hit(run(item), item) for item in batch]) | {"questions": len(batch)}
                    for label, batch in items.items()
                }
            finally:
                close()
    return report


@dataclass(frozen=True)
class GroundingItem:
    doc: str
    pages: tuple[int, ...]
    sentence: str
    supported: bool


def load_grounding(path: Path) -> list[GroundingItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                GroundingItem(raw["doc"], tuple(int(p) for p in raw["pages"]), raw["sentence"], bool(raw["supported"]))
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise QAFileError(f"{path}, line {number}: not a grounding item ({exc})") from exc
    if not items:
        raise QAFileError(f"{path} holds no sentences.")
    return items


def flag_scores(flagged: Sequence[bool], truth_unsupported: Sequence[bool]) -> dict[str, float]:
    """Precision and recall of the "not found in your documents" mark."""
    tp = sum(1 for f, t in zip(flagged, truth_unsupported, strict=True) if f and t)
    marked, actual = sum(flagged), sum(truth_unsupported)
    correct = sum(1 for f, t in zip(flagged, truth_unsupported, strict=True) if f == t)
    return {
        "precision": tp / marked if marked else 1.0,
        "recall": tp / actual if actual else 1.0,
        "accuracy": correct / len(flagged),
        "sentences": len(flagged),
    }


def evaluate_grounding(path: Path, corpus: Path) -> dict[str, dict[str, float]]:
    """The grounding check on labelled sentences, each against the text of the pages it cites. Even lines
    (the first, third, …) were used to choose the thresholds ("dev"); odd lines were not ("held out")."""
    from rag.answering.grounding import check_sentences
    from rag.models.embeddings import build_embeddings
    from rag.reading.pdf import read_pdf

    items = load_grounding(path)
    embeddings = build_embeddings(Settings(_env_file=None)).embeddings
    texts: dict[str, dict[int, str]] = {}
    flagged = []
    for item in items:
        if item.doc not in texts:
            pdf = corpus / item.doc
            if not pdf.is_file():
                raise QAFileError(f"Not in {corpus}: {item.doc} (bench/corpus.sh fetches the benchmark corpus).")
            texts[item.doc] = {p.number: p.text for p in read_pdf(pdf.read_bytes(), 1 << 40)}
        checks = check_sentences(item.sentence, [texts[item.doc][p] for p in item.pages], embeddings)
        flagged.append(any(c.supported is False for c in checks))
    truth = [not item.supported for item in items]
    return {
        "dev": flag_scores(flagged[0::2], truth[0::2]),
        "held out": flag_scores(flagged[1::2], truth[1::2]),
        "all": flag_scores(flagged, truth),
    }


def evaluate_corrupted(paths: dict[str, Path], corpus: Path) -> dict[str, dict[str, float]]:
    """The grounding check on true sentences and their corrupted variants (bench/qa/grounding-corrupted-*.jsonl),
    each against the text of the page it cites. A sentence is shown as checked when every judged part of it is
    supported, as quotes_first shows the model's words. Per split: the share of shown sentences that are true,
    the share of true sentences shown, and how often each kind of corruption is shown."""
    from rag.answering.grounding import check_sentences
    from rag.models.embeddings import build_embeddings
    from rag.reading.pdf import read_pdf

    embeddings = build_embeddings(Settings(_env_file=None)).embeddings
    texts: dict[str, dict[int, str]] = {}
    report = {}
    for split, path in paths.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        shown_by_kind: dict[str, list[bool]] = {}
        for row in rows:
            doc = row["doc"]
            if doc not in texts:
                pdf = corpus / doc
                if not pdf.is_file():
                    raise QAFileError(f"Not in {corpus}: {doc} (bench/corpus.sh fetches the benchmark corpus).")
                texts[doc] = {p.number: p.text for p in read_pdf(pdf.read_bytes(), 1 << 40)}
            checks = check_sentences(row["sentence"], [texts[doc][p] for p in row["pages"]], embeddings)
            judged = [c.supported for c in checks if c.supported is not None]
            shown_by_kind.setdefault(row["kind"], []).append(bool(judged) and all(judged))
        true_shown = sum(shown_by_kind.get("true", []))
        shown = sum(sum(v) for v in shown_by_kind.values())
        report[split] = {
            "precision": true_shown / shown if shown else 1.0,
            "true shown": true_shown / max(1, len(shown_by_kind.get("true", []))),
            **{f"{kind} shown": sum(v) / len(v) for kind, v in shown_by_kind.items() if kind != "true"},
            "sentences": float(len(rows)),
        }
    return report


def evaluate_not_found(
    unanswerable: Path, answerable: Path, corpus: Path, held_out: Path | None = None
) -> dict[str, dict[str, float]]:
    """How often the full chat (retrieval, local model, grounding check) tells the user the answer is not in
    their documents: it should for unanswerable questions, and should not for answerable ones.
    "Says not found" is the refusal, or an answer none of whose sentences the sources support."""
    from rag.answering.gates import NOT_FOUND
    from rag.answering.grounding import check_sentences, verdict
    from rag.answering.pipeline import draft_answer

    def questions(path: Path) -> list[str]:
        return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]

    batches = {"unanswerable": questions(unanswerable)}
    if held_out:
        batches["unanswerable, held out"] = questions(held_out)
    answerable_items = [item for item in load_qa(answerable) if not item.history]
    batches["answerable"] = [i.question for i in answerable_items]
    names = sorted({item.doc for item in answerable_items})
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
        try:
            for name in names:
                if ingest_path(services, corpus / name).status == "failed":
                    raise QAFileError(f"{name} could not be indexed from {corpus}.")
            for label, batch in batches.items():
                refused = unsupported = 0
                for question in batch:
                    # The model's own answer, as before quotes existed; bench/answers.py compares every strategy.
                    answer = draft_answer(services, question, strategy="model")
                    text = "".join(answer.tokens)
                    checks = check_sentences(text, answer.passages, services.embedding.embeddings)
                    # No sources: nothing relevant, or the question names something the documents never mention.
                    if not answer.sources or text.strip() == NOT_FOUND:
                        refused += 1
                    elif verdict(checks) == "unsupported":
                        unsupported += 1
                report[label] = {
                    "says not found": (refused + unsupported) / len(batch),
                    "refused": refused / len(batch),
                    "answer wholly unsupported": unsupported / len(batch),
                    "questions": len(batch),
                }
        finally:
            services.close()
    return report
