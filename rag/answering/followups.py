"""Follow-up questions without a model that rewrites them.

SmolLM2 never produced a usable standalone rewrite, so a follow-up is searched without one. bench/followups.py
measures four ways (the README's Follow-ups table): the previous question joined to the follow-up; the follow-up
alone; the two rankings fused, the follow-up's own weighted higher; and that with the documents the previous
answer cited as a soft preference. Fusion raised recall@5 and MRR on the dev follow-ups, but not on the held-out
ones, and the quotes held the key fact less often after it on dev: the joined search stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from langchain_core.documents import Document as LCDocument

from rag.answering.retrieval import HybridRetriever
from rag.language import detect
from rag.services import Services
from rag.text import content_words

Method = Literal["joined", "alone", "fused", "fused+prefer"]
METHOD: Method = "joined"
# Reciprocal rank fusion's constant: small, so the first ranks of each list count most.
RRF_K = 10
ALONE_WEIGHT = 1.0
JOINED_WEIGHT = 0.7
# A page of a document the previous answer cited gains this share of its score: enough to break near-ties
# towards the conversation's topic, never enough to outrank a clearly better page of another document.
PREFER_BONUS = 0.15


# A question that points back at the conversation: it opens with a connective ("and on Windows?", "what about
# zsh?"), or it names a thing with a pronoun before naming anything it could stand for ("how do I undo that?",
# "what does it return?"): "My script fails when it starts" names its script first. "Is it possible…", "Is
# there…" and "Why is it called R?" point nowhere. Chosen on the dev questions (bench/conversations.py).
_OPENS_ON_BEFORE = re.compile(
    r"^\W*((ok|okay|right|thanks|great|alright|i see)\W+)?"
    r"(and|but|also|so|then|or|what about|how about|what if|and if|same|instead|otherwise|else|why not)\b",
    re.I,
)
_POINTER = re.compile(
    r"\b(it|its|itself|these|those|they|them|their|theirs|this|that|the same|the other|the former|the latter)\b",
    re.I,
)
# The same openings in the other languages the app speaks, for a question told to be in one of them: "Und unter
# Windows?", "Et sous Windows ?", "¿Y en Windows?", "E su Windows?". Their pointers are not read (an English rule
# is kept off, not made wrong): what stands alone is then told by its own words and by the join's gain.
_OPENS_ON_BEFORE_IN = {
    "de": re.compile(r"^\W*(und|aber|oder|auch|sonst|was ist mit|wie ist es mit|und wenn)\b", re.I),
    "fr": re.compile(r"^\W*(et|mais|ou|aussi|sinon|alors|et si|qu'en est-il|quid)\b", re.I),
    "es": re.compile(r"^\W*(y|pero|o|también|entonces|y si|qué hay de|qué pasa con)\b", re.I),
    "it": re.compile(r"^\W*(e|ma|o|anche|allora|invece|e se|e per|che mi dici di)\b", re.I),
}
# Pointers that refer back whatever comes before them, and words that compare with something said before.
_ALWAYS_BACK = re.compile(
    r"\b(that|this) same\b|\bthe (former|latter)\b|\b(that|this) one\b"
    r"|\b(equivalent|as well)\b|\btoo\W*$",
    re.I,
)
_POINTS_NOWHERE = re.compile(
    r"\b(is|was|are|isn't|wasn't) (it|there|this) (possible|true|safe|ok|okay|necessary|required|recommended|"
    r"allowed|a good idea|better|wise|normal)\b|\b(is|are) there\b|\bit (takes?|is) (long|time)\b"
    r"|\bis it (called|named|known as)\b"
    # "that" starting a clause after a noun or verb: "files that match", "make sure that", "so that".
    r"|\b\w+ that (\w+s|is|are|was|were|has|have|can|will|would|should|must|may|might|i|you|we)\b",
    re.I,
)
# A question whose wording stands alone can still lack its subject ("which variable decides whether sin(-x) turns
# into -sin(x)?" after two turns on Maxima): joined to the previous question, its meaning is met this much better
# (the best dense match's cosine) than alone. On the dev conversations a standalone turn gained about +0.08 at most
# from the join, and the follow-ups the wording missed +0.10 to +0.26 for six of ten: follow-ups joined 30/40 ->
# 36/40, standalone turns searched alone 31/31 -> 30/31 (one sits at the threshold); held out, never tuned on,
# 33/40 -> 38/40 and 30/30 (bench/conversations.py, a 2-core Xeon with AMX: MiniLM in bfloat16).
JOIN_GAIN = 0.10
# Content words before a pointer that give it something to stand for, in the question itself.
ANTECEDENT_WORDS = 2
# A question of fewer content words than this cannot stand alone ("On Windows?", "Why?", "How many?").
MIN_OWN_WORDS = 2


def depends_on_conversation(question: str) -> bool:
    """Whether a question means something only with the conversation before it.
    A question that stands alone is searched alone: glued onto the previous one, a change of topic was searched as
    the old topic."""
    language = detect(question)
    if language in _OPENS_ON_BEFORE_IN:
        return bool(_OPENS_ON_BEFORE_IN[language].search(question)) or len(content_words(question)) < MIN_OWN_WORDS
    if _OPENS_ON_BEFORE.search(question) or _ALWAYS_BACK.search(question):
        return True
    own = content_words(question)
    if len(own) < MIN_OWN_WORDS:
        return True
    without = _POINTS_NOWHERE.sub(lambda m: " " * len(m.group()), question)
    pointer = _POINTER.search(without)
    return pointer is not None and len(content_words(question[: pointer.start()])) < ANTECEDENT_WORDS


def joining_helps(alone_similarity: float, joined_similarity: float) -> bool:
    """Whether a question that reads as standalone is met so much better joined to the previous one that it was
    a follow-up with its subject left out."""
    return joined_similarity - alone_similarity > JOIN_GAIN


def search_followup(
    services: Services,
    retriever: HybridRetriever,
    question: str,
    previous: str,
    previous_doc_ids: Sequence[str] = (),
    method: Method = METHOD,
) -> tuple[str, list[LCDocument]]:
    """The question to answer (the previous one joined to the follow-up: what the model and the quotes read),
    and the passages `retriever` finds, best first."""
    joined = f"{previous} {question}".strip()
    if method == "joined" or not previous:
        return joined, retriever.invoke(joined)
    alone = retriever.invoke(question)
    if method == "alone":
        return joined, alone
    lists = [(alone, ALONE_WEIGHT), (retriever.invoke(joined), JOINED_WEIGHT)]
    prefer = set(previous_doc_ids) if method == "fused+prefer" else set()
    return joined, fuse(lists, prefer, services.settings.top_k)


def fuse(lists: Sequence[tuple[list[LCDocument], float]], prefer: set[str], k: int) -> list[LCDocument]:
    scores: dict[tuple[str, int], float] = {}
    docs: dict[tuple[str, int], LCDocument] = {}
    for ranked, weight in lists:
        for rank, doc in enumerate(ranked):
            key = (doc.metadata["doc_id"], doc.metadata["page"])
            scores[key] = scores.get(key, 0.0) + weight / (RRF_K + rank + 1)
            docs.setdefault(key, doc)
    for key in scores:
        if key[0] in prefer:
            scores[key] *= 1 + PREFER_BONUS
    return [docs[key] for key in sorted(scores, key=lambda key: -scores[key])[:k]]
