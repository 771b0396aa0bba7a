"""Quote mode: the sentences of the retrieved passages that best answer the question, in the documents' words.

A small local model often contradicts the very passage it was given; the passage itself never does. Each
sentence is scored by how close its meaning is to the question (MiniLM, which is already loaded) and by
how many of the question's rarer words it contains, and the best 1–3 are quoted with their file and page.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import numpy as np
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

from rag.schemas import Quote
from rag.text import PASSAGE_BREAK, about_boilerplate, boilerplate, content_words, flat

# Weights and limits chosen on the dev set alone (bench/answers.py, "Key fact in the quotes"), then confirmed on
# the held-out set: quoting the sentence after each best one, three quotes always, from the five passages found,
# took the key fact from 0.57 to 0.79 on dev and from 0.45 to 0.64 held out.
LEXICAL_WEIGHT = 0.5
RANK_WEIGHT = 0.05
# Passages whose sentences are read: the answer's page is among the first five for 0.89 of dev questions,
# among the first three for 0.85.
PASSAGES_READ = 5
MAX_QUOTES = 3
# Sentences quoted after the best one ("The default is:" then the value), and quotes taken from one page at most.
WINDOW = 1
PER_PAGE = 3
# 0.0: the second and third quotes are always given. Cutting those that scored under 0.85 of the best lost the
# key fact on 12% of dev questions: the best sentence is often about the question, the next one answers it.
KEEP_WITHIN = 0.0
# Below this score the best sentence does not answer the question: the chat says so instead of quoting it.
MIN_QUOTE_SCORE: float | None = None
MIN_CHARS = 25
MAX_CHARS = 400

# Dot leaders of a table of contents, or a line of nothing but numbers and symbols.
_JUNK = re.compile(r"\.{4,}|^[\W\d_]+$")


def passage_sentences(text: str) -> list[str]:
    """A passage's sentences. PDF text breaks lines mid-sentence, so lines are joined first; a "sentence"
    with no full stop for hundreds of characters (an option list, code) is cut into pieces a reader can take in."""
    pieces = []
    for sentence in PASSAGE_BREAK.split(flat(text)):
        while len(sentence) > MAX_CHARS:
            cut = sentence.rfind(" ", MIN_CHARS, MAX_CHARS)
            cut = cut if cut > 0 else MAX_CHARS
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        pieces.append(sentence.strip())
    return [p for p in pieces if len(p) >= MIN_CHARS and not _JUNK.search(p)]


def _lexical(question_words: set[str], sentence: str, weights: dict[str, float]) -> float:
    if not question_words:
        return 0.0
    found = content_words(sentence) & question_words
    return sum(weights[w] for w in found) / sum(weights.values())


def extract_quotes(
    question: str,
    docs: Sequence[LCDocument],
    embeddings: Embeddings,
    limit: int = MAX_QUOTES,
    *,
    lexical_weight: float = LEXICAL_WEIGHT,
    dense_weight: float = 1.0,
    passages_read: int = PASSAGES_READ,
    keep_within: float = KEEP_WITHIN,
    window: int = WINDOW,
    per_page: int = PER_PAGE,
) -> list[Quote]:
    """The 1–`limit` sentences of the first passages that best answer `question`, best first. The keyword
    arguments exist for bench/answers.py, which measures the alternatives."""
    candidates: list[tuple[int, int, list[str], LCDocument]] = []
    # A licence or copyright notice is the answer only to a question about it: otherwise it is left out, so no
    # quote starts with, or runs on into, "See the GNU General Public License for more details."
    notices = about_boilerplate(question)
    for rank, doc in enumerate(docs[:passages_read]):
        sentences = passage_sentences(doc.page_content)
        candidates += [(rank, i, sentences, doc) for i, s in enumerate(sentences) if notices or not boilerplate(s)]
    if not candidates:
        return []
    texts = [sentences[i] for _, i, sentences, _ in candidates]
    wanted = content_words(question)
    # A word of the question that most candidate sentences share ("file", "use") tells them apart least.
    spread = {w: sum(1 for t in texts if w in content_words(t)) for w in wanted}
    weights = {w: math.log(1 + len(texts) / (1 + n)) for w, n in spread.items()}

    vectors = np.asarray(embeddings.embed_documents([question, *texts]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    similarity = vectors[1:] @ vectors[0]
    scores = [
        dense_weight * float(similarity[n]) + lexical_weight * _lexical(wanted, text, weights) - RANK_WEIGHT * rank
        for n, (text, (rank, _, _, _)) in enumerate(zip(texts, candidates, strict=True))
    ]
    order = sorted(range(len(texts)), key=lambda n: -scores[n])
    best = scores[order[0]]
    quotes: list[Quote] = []
    for n in order:
        if len(quotes) == limit or (quotes and scores[n] < keep_within * best):
            break
        _, i, sentences, doc = candidates[n]
        # The sentence after the best one often finishes its thought (the value after "The default is:").
        after = sentences[i + 1 : i + 1 + window]
        following = list(itertools.takewhile(lambda s: notices or not boilerplate(s), after))
        text = " ".join([sentences[i], *following])
        page = (doc.metadata["doc_id"], doc.metadata["page"])
        if any(text == q.text or sentences[i] in q.text for q in quotes):
            continue  # overlapping passages repeat sentences
        if sum(1 for q in quotes if (q.doc_id, q.page) == page) >= per_page:
            continue
        quotes.append(Quote(text, page[0], doc.metadata["filename"], page[1], scores[n]))
    return quotes


def answers_question(quotes: Sequence[Quote]) -> bool:
    """Whether the best quote is close enough to the question to be offered as its answer."""
    return bool(quotes) and (MIN_QUOTE_SCORE is None or quotes[0].score >= MIN_QUOTE_SCORE)
