"""Choosing the quote, measured on its own: of the passages the search found, do the quoted sentences hold the
answer? No model: real MiniLM embeddings, the app's own search (rag.answering.search.retrieve).

    .venv/bin/python bench/quotes.py [--quick] [--fresh] [--no-time] [--library DIR]

Per split and per question set: (a) the key fact in the quotes; (b) sentence hit: a quote from a gold page holds
the fact (the answer's own sentence, not the same word elsewhere); (c) the ceiling: the fact anywhere in the
passages read, and on a gold page among them; (d) p50/p95 time of one extraction (embedding included).
Dev (tuned on): manuals.jsonl + followups.jsonl (the five PDFs), unseen-dev.jsonl and the turns of
conversations-dev.jsonl (the eleven manuals). Held out (only ever reported): heldout.jsonl, unseen-heldout.jsonl,
conversations-heldout.jsonl. Each question is searched as the chat searches it (a conversation's earlier turns as
its history; a follow-up of manuals.jsonl with the documents its previous question found), and the quotes are
chosen from the question's own words, as rag/answering/pipeline.py does with the local model.

The passages found are kept in bench/.cache/quotes.json (git-ignored) and the sentences' vectors in
quotes-vectors.npz, so trying another ranker takes seconds, not the minutes that indexing Octave's 1,158 pages
and searching take. --fresh searches again (do so after changing the search or the index).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import CORPUS, FIRST_FIVE, ROOT, SHARED, table
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from rag.answering import quotes as quotes_module
from rag.answering.quotes import Quote, extract_quotes
from rag.answering.search import retrieve
from rag.config import Settings
from rag.indexing.ingest import ingest_path
from rag.services import Services
from rag.text import PASSAGE_BREAK, about_boilerplate, boilerplate, content_words, flat
from rag.usecases.startup import open_services

QA = ROOT / "bench" / "qa"
CACHE_DIR = ROOT / "bench" / ".cache"
PASSAGES_READ = 5
# (question set, split, library): the five PDFs the first sets were written on, or the eleven manuals of the
# unseen and conversation sets.
SETS = (
    ("manuals", "dev", "five"),
    ("followups", "dev", "five"),
    ("unseen-dev", "dev", "eleven"),
    ("conversations-dev", "dev", "eleven"),
    ("heldout", "held out", "five"),
    ("unseen-heldout", "held out", "eleven"),
    ("conversations-heldout", "held out", "eleven"),
)


@dataclass
class Case:
    """One question, as searched, with where its answer is and what it must contain."""

    set: str
    split: str
    question: str
    doc: str
    pages: list[int]
    fact: str  # a regular expression (the first five PDFs' sets) or a literal string (the others)
    literal: bool
    docs: list[LCDocument]
    searched: str  # what the search was for: the question, or the previous one joined to it

    @property
    def joined(self) -> bool:
        return self.searched != self.question

    def has_fact(self, text: str) -> bool:
        pattern = re.escape(self.fact) if self.literal else self.fact
        return re.search(pattern, flat(text), re.I) is not None

    def gold(self, filename: str, page: int) -> bool:
        return filename == self.doc and page in self.pages


# --- The questions and their passages ----------------------------------------------------------------------------


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (QA / f"{name}.jsonl").read_text().splitlines() if line.strip()]


def _questions(name: str) -> list[tuple[dict, list[BaseMessage]]]:
    """(item, history) for each question of a set; a conversation's turns each with the turns before it."""
    if name.startswith("conversations"):
        out = []
        for conversation in _lines(name):
            history: list[BaseMessage] = []
            for turn in conversation["turns"]:
                out.append((turn, list(history)))
                # The search reads the previous question only, never the answer (rag/answering/search.py).
                history += [HumanMessage(turn["question"]), AIMessage("")]
        return out
    return [
        (
            item,
            [HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"]) for m in item["history"]],
        )
        if "history" in item
        else (item, [])
        for item in _lines(name)
    ]


def _search(services: Services, question: str, history: list[BaseMessage]) -> tuple[str, list[LCDocument]]:
    """What was searched for (the question, or joined to the previous one) and the passages found."""
    previous: list[str] = []
    if history:  # the documents the previous answer cited, as the chat passes them (bench/answers.py)
        _, earlier = retrieve(services, history[-2].content if len(history) > 1 else history[0].content)
        previous = list(dict.fromkeys(d.metadata["doc_id"] for d in earlier))
    return retrieve(services, question, history, None, previous)


def _digest(name: str) -> str:
    return hashlib.sha256((QA / f"{name}.jsonl").read_bytes()).hexdigest()[:16]


def _to_json(doc: LCDocument) -> dict:
    keep = ("doc_id", "filename", "page", "section", "score")
    return {"text": doc.page_content, **{k: doc.metadata.get(k) for k in keep}}


def _from_json(raw: dict) -> LCDocument:
    return LCDocument(page_content=raw["text"], metadata={k: v for k, v in raw.items() if k != "text"})


def load_cases(quick: bool, fresh: bool, passages: int = PASSAGES_READ, keep: Path | None = None) -> list[Case]:
    """Every question with its first `passages` passages: from the cache, or searched in a throwaway library of
    its PDFs (or one kept in `keep`, indexed once, for comparing two searches)."""
    more = "" if passages == PASSAGES_READ else f"-{passages}"
    cache_file = CACHE_DIR / (f"quotes-quick{more}.json" if quick else f"quotes{more}.json")
    cache = json.loads(cache_file.read_text()) if cache_file.exists() and not fresh else {}
    corpus = SHARED if quick else CORPUS
    wanted: dict[str, list[tuple[dict, list[BaseMessage]]]] = {}
    for name, _, _ in SETS:
        items = _questions(name)
        if quick:  # two questions of each set on a PDF of ../shared/corpus
            items = [i for i in items if (corpus / i[0]["doc"]).is_file()][:2]
        wanted[name] = items
    for library in ("five", "eleven"):
        todo = [n for n, _, lib in SETS if lib == library and cache.get(n, {}).get("digest") != _digest(n)]
        if not todo:
            continue
        if library == "five":
            names = [n for n in FIRST_FIVE if (corpus / n).is_file()]
        else:
            names = sorted({i["doc"] for n, _, lib in SETS if lib == library for i, _ in wanted[n]})
        with tempfile.TemporaryDirectory() as tmp:
            storage = keep / library if keep else Path(tmp)
            services = open_services(Settings(_env_file=None, storage_dir=storage, top_k=passages))
            try:
                started = time.perf_counter()
                for pdf in names:
                    ingest_path(services, corpus / pdf)  # a kept library's files are duplicates: not read again
                services.store.optimize()
                print(f"(indexed {len(names)} PDFs in {time.perf_counter() - started:.0f} s)", flush=True)
                for name in todo:
                    searches = [_search(services, i["question"], h) for i, h in wanted[name]]
                    found = [[_to_json(d) for d in docs] for _, docs in searches]
                    searched = [question for question, _ in searches]
                    cache[name] = {"digest": _digest(name), "passages": found, "searched": searched}
            finally:
                services.close()
        CACHE_DIR.mkdir(exist_ok=True)
        cache_file.write_text(json.dumps(cache))
    cases = []
    for name, split, library in SETS:
        searched = cache[name].get("searched") or [i["question"] for i, _ in wanted[name]]
        for (item, _), found, search in zip(wanted[name], cache[name]["passages"], searched, strict=True):
            fact = item["fact"]
            literal = library == "eleven"
            docs = [_from_json(p) for p in found]
            cases.append(Case(name, split, item["question"], item["doc"], item["pages"], fact, literal, docs, search))
    return cases


# --- Embeddings kept between runs ----------------------------------------------------------------------------------


class Remembered(Embeddings):
    """The real embedder's vectors, each text embedded once across rankers and runs."""

    def __init__(self, embeddings: Embeddings, path: Path) -> None:
        self.embeddings, self.path = embeddings, path
        self.known: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path, allow_pickle=False)
            self.known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        self.added = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        new = list(dict.fromkeys(t for t in texts if t not in self.known))
        if new:
            for text, vector in zip(new, self.embeddings.embed_documents(new), strict=True):
                self.known[text] = np.asarray(vector, dtype=np.float32)
            self.added += len(new)
        return [self.known[t].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def save(self) -> None:
        if self.added:
            texts = list(self.known)
            np.savez(self.path, texts=np.array(texts), vectors=np.stack([self.known[t] for t in texts]))


# --- The ranker before issue 30, frozen here to compare against -------------------------------------------------------


def _before_sentences(text: str) -> list[str]:
    pieces = []
    for sentence in PASSAGE_BREAK.split(flat(text)):
        while len(sentence) > 400:
            cut = sentence.rfind(" ", 25, 400)
            cut = cut if cut > 0 else 400
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        pieces.append(sentence.strip())
    return [p for p in pieces if len(p) >= 25 and not re.search(r"\.{4,}|^[\W\d_]+$", p)]


def before_quotes(question: str, docs: Sequence[LCDocument], embeddings: Embeddings, limit: int = 3) -> list[Quote]:
    """rag/answering/quotes.py as it was: MiniLM cosine + 0.5 x IDF keyword share - 0.05 x rank, the sentence
    after each best one, always three quotes, five passages."""
    candidates: list[tuple[int, int, list[str], LCDocument]] = []
    notices = about_boilerplate(question)
    for rank, doc in enumerate(docs[:5]):
        sentences = _before_sentences(doc.page_content)
        candidates += [(rank, i, sentences, doc) for i, s in enumerate(sentences) if notices or not boilerplate(s)]
    if not candidates:
        return []
    texts = [sentences[i] for _, i, sentences, _ in candidates]
    wanted = content_words(question)
    spread = {w: sum(1 for t in texts if w in content_words(t)) for w in wanted}
    weights = {w: math.log(1 + len(texts) / (1 + n)) for w, n in spread.items()}
    vectors = np.asarray(embeddings.embed_documents([question, *texts]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    similarity = vectors[1:] @ vectors[0]

    def lexical(text: str) -> float:
        found = content_words(text) & wanted
        return sum(weights[w] for w in found) / sum(weights.values()) if wanted else 0.0

    scores = [
        float(similarity[n]) + 0.5 * lexical(t) - 0.05 * c[0]
        for n, (t, c) in enumerate(zip(texts, candidates, strict=True))
    ]
    order = sorted(range(len(texts)), key=lambda n: -scores[n])
    quotes: list[Quote] = []
    for n in order:
        if len(quotes) == limit or (quotes and scores[n] < 0.0):  # KEEP_WITHIN 0.0 x the best
            break
        _, i, sentences, doc = candidates[n]
        following = list(itertools.takewhile(lambda s: notices or not boilerplate(s), sentences[i + 1 : i + 2]))
        text = " ".join([sentences[i], *following])
        page = (doc.metadata["doc_id"], doc.metadata["page"])
        if any(text == q.text or sentences[i] in q.text for q in quotes):
            continue
        quotes.append(Quote(text, page[0], doc.metadata["filename"], page[1], scores[n]))
    return quotes


# --- Measures --------------------------------------------------------------------------------------------------------

Ranker = Callable[[str, Sequence[LCDocument], Embeddings], list[Quote]]


@dataclass
class Outcome:
    fact: bool
    sentence: bool
    seconds: float


def judge(case: Case, quotes: Sequence[Quote], seconds: float = 0.0) -> Outcome:
    text = "\n".join(q.text for q in quotes)
    sentence = any(case.gold(q.filename, q.page) and case.has_fact(q.text) for q in quotes)
    return Outcome(case.has_fact(text), sentence, seconds)


def ceilings(case: Case) -> tuple[bool, bool]:
    """(the fact anywhere in the passages read, the fact on a gold page among them)."""
    read = case.docs[:PASSAGES_READ]
    anywhere = case.has_fact("\n".join(d.page_content for d in read))
    gold = any(case.gold(d.metadata["filename"], d.metadata["page"]) and case.has_fact(d.page_content) for d in read)
    return anywhere, gold


def run(ranker: Ranker, cases: Sequence[Case], embeddings: Embeddings) -> list[Outcome]:
    out = []
    for case in cases:
        start = time.perf_counter()
        quotes = ranker(case.question, case.docs, embeddings)
        out.append(judge(case, quotes, time.perf_counter() - start))
    return out


def _share(flags: Sequence[bool]) -> str:
    return f"{sum(flags) / len(flags):.2f}" if flags else "-"


def _groups(cases: Sequence[Case]) -> list[tuple[str, list[int]]]:
    """(label, indices): each set, then each split as a whole."""
    groups = []
    for split in ("dev", "held out"):
        for name in dict.fromkeys(c.set for c in cases if c.split == split):
            groups.append((f"{split}: {name}", [n for n, c in enumerate(cases) if c.set == name]))
        groups.append((f"{split}: all", [n for n, c in enumerate(cases) if c.split == split]))
    return groups


def report(cases: Sequence[Case], results: dict[str, list[Outcome]]) -> None:
    caps = [ceilings(c) for c in cases]
    header = ["questions", "n", "ceiling: anywhere", "ceiling: gold page"]
    for label in results:
        header += [f"{label}: fact", f"{label}: sentence"]
    rows = []
    for group, indices in _groups(cases):
        row: list[object] = [group, len(indices), _share([caps[n][0] for n in indices])]
        row.append(_share([caps[n][1] for n in indices]))
        for outcomes in results.values():
            row += [_share([outcomes[n].fact for n in indices]), _share([outcomes[n].sentence for n in indices])]
        rows.append(row)
    table("Key fact in the quotes (fact) and the gold page's answer sentence quoted (sentence)", header, rows)


def timing(cases: Sequence[Case], rankers: dict[str, Ranker], embeddings: Embeddings) -> None:
    """Each case's extraction by every ranker in turn, so that a busy machine slows them alike."""
    seconds: dict[str, list[float]] = {label: [] for label in rankers}
    embeddings.embed_documents(["warm up"])
    for case in cases:
        for label, ranker in rankers.items():
            start = time.perf_counter()
            ranker(case.question, case.docs, embeddings)
            seconds[label].append(time.perf_counter() - start)
    rows = []
    for label, times in seconds.items():
        times.sort()
        rows.append([label, statistics.median(times), times[int(0.95 * (len(times) - 1))], len(times)])
    table("Time of one extraction, real MiniLM, embedding included (s)", ["ranker", "p50", "p95", "n"], rows)


def learned_weights(cases: Sequence[Case], embeddings: Embeddings, l2: float = 10.0) -> dict[str, float]:
    """A logistic regression on quotes.FEATURES, fitted on `cases` (dev only): a candidate is positive when it, with
    the piece after it, holds the fact on a gold page. Returned as weights on the raw features (the intercept does
    not change a ranking)."""
    rows, labels = [], []
    for case in cases:
        found = quotes_module.candidates(case.question, case.docs)
        if not found:
            continue
        rows.append(quotes_module.features(case.question, found, embeddings))
        for c in found:
            read = " ".join(p.text for p in c.pieces[c.index : c.index + 2])
            labels.append(float(case.gold(c.doc.metadata["filename"], c.doc.metadata["page"]) and case.has_fact(read)))
    x, y = np.concatenate(rows), np.array(labels)
    mean, spread = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / spread
    w, bias = np.zeros(z.shape[1]), 0.0
    for _ in range(3000):  # plain gradient descent: 9,000 rows, six features
        p = 1 / (1 + np.exp(-(z @ w + bias)))
        w -= 0.5 * (z.T @ (p - y) + l2 * w) / len(y)
        bias -= 0.5 * float((p - y).mean())
    return dict(zip(quotes_module.FEATURES, (w / spread).tolist(), strict=True))


def rankers(learned: dict[str, float] | None = None, passages: int = PASSAGES_READ) -> dict[str, Ranker]:
    def pieces_weights_before(question: str, docs: Sequence[LCDocument], embeddings: Embeddings) -> list[Quote]:
        return extract_quotes(question, docs, embeddings, weights=quotes_module.WEIGHTS_BEFORE)

    chosen: dict[str, Ranker] = {"before": before_quotes, "pieces, weights before": pieces_weights_before}
    chosen["after, no terms"] = lambda q, d, e: extract_quotes(q, d, e, terms=False)
    # Before quotes that share a piece were merged (quotes.OVERLAPS): both given, each filled to 300 characters.
    chosen["overlaps kept, fill 300"] = lambda q, d, e: extract_quotes(q, d, e, fill=300, overlaps="keep")
    chosen["overlaps skipped, fill 300"] = lambda q, d, e: extract_quotes(q, d, e, fill=300, overlaps="skip")
    for fill in (150, 250, 300):
        chosen[f"merged, fill {fill}"] = lambda q, d, e, f=fill: extract_quotes(q, d, e, fill=f)
    chosen["merged, four quotes"] = lambda q, d, e: extract_quotes(q, d, e, 4)
    chosen["not leaning back"] = lambda q, d, e: extract_quotes(q, d, e, lean_back=False)
    chosen["after (hand weights)"] = extract_quotes
    for more in sorted({(PASSAGES_READ + passages) // 2, passages} - {PASSAGES_READ}):  # past the five shown
        chosen[f"after, reading {more}"] = lambda q, d, e, n=more: extract_quotes(q, d, e, passages_read=n)
    if learned is not None:
        chosen["learned (LR, dev)"] = lambda q, d, e: extract_quotes(q, d, e, weights=learned)
    return chosen


def mean_chars(cases: Sequence[Case], ranker: Ranker, embeddings: Embeddings) -> float:
    return statistics.mean(sum(len(q.text) for q in ranker(c.question, c.docs, embeddings)) for c in cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two questions a set, on ../shared/corpus")
    parser.add_argument("--fresh", action="store_true", help="search again instead of reusing the cached passages")
    parser.add_argument("--no-time", action="store_true", help="skip the timing pass with the real embedder")
    parser.add_argument(
        "--passages", type=int, default=PASSAGES_READ, help="passages searched, for rankers reading more"
    )
    parser.add_argument("--library", metavar="DIR", type=Path, help="keep the libraries searched in DIR and reuse them")
    args = parser.parse_args()
    cases = load_cases(args.quick, args.fresh, args.passages, args.library)
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings(_env_file=None, storage_dir=Path(tmp)))
        try:
            real = services.embedding.embeddings
            vectors = CACHE_DIR / ("quotes-vectors-quick.npz" if args.quick else "quotes-vectors.npz")
            remembered = Remembered(real, vectors)
            learned = learned_weights([c for c in cases if c.split == "dev"], remembered) if not args.quick else None
            chosen = rankers(learned, args.passages)
            results = {label: run(ranker, cases, remembered) for label, ranker in chosen.items()}
            report(cases, results)
            if learned:
                print("\nlearned weights:", {k: round(v, 3) for k, v in learned.items()})
            dev = [c for c in cases if c.split == "dev"]
            rows = [[label, mean_chars(dev, ranker, remembered)] for label, ranker in chosen.items()]
            table("Characters quoted a question, dev", ["ranker", "mean"], rows)
            remembered.save()
            if not args.no_time:
                timing(cases, {k: v for k, v in chosen.items() if k in ("before", "after (hand weights)")}, real)
        finally:
            services.close()


if __name__ == "__main__":
    main()
